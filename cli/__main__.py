"""``python -m cli``: the command line without the launcher (no window)."""

from __future__ import annotations

import sys

from cli.main import entry

if __name__ == "__main__":
    sys.exit(entry())
