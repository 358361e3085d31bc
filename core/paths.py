"""Where SectionFlow keeps its files: one place, so tests and portable installs can move it.

SECTIONFLOW_DATA_DIR overrides the OS's per-user folders (platformdirs), which keeps test
runs and a USB-stick install from touching the analyst's real journal.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "SectionFlow"
DATA_DIR_ENV = "SECTIONFLOW_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def log_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) / "logs" if override else Path(platformdirs.user_log_dir(APP_NAME, False))
