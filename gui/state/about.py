"""What Help ▸ About says: the version, where the app keeps its files, and the licences
of SectionFlow and of the libraries it is built on (read from their installed metadata,
so the list is true for the installation at hand)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from core.paths import data_dir, log_dir

APP_LICENCE = "MIT"
#: the libraries the app ships with, in the order a reader cares about
LIBRARIES = (
    "PySide6-Essentials",
    "shiboken6",
    "qasync",
    "pymupdf",
    "google-genai",
    "pyqtgraph",
    "numpy",
    "pydantic",
    "pydantic-settings",
    "psutil",
    "platformdirs",
    "tenacity",
    "rich",
    "keyring",
    "prometheus-client",
)


@dataclass(frozen=True, slots=True)
class Library:
    name: str
    version: str
    licence: str


@dataclass(frozen=True, slots=True)
class AboutFacts:
    version: str
    data_folder: Path
    journal: Path
    log_folder: Path
    settings_file: str
    libraries: tuple[Library, ...]


def version(name: str = "sectionflow") -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def licence(name: str) -> str:
    """The licence a package declares (its SPDX expression, else its License field)."""
    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return "not installed"
    text = meta.get("License-Expression") or meta.get("License") or ""
    if not text.strip() or len(text) > 80:  # some packages paste the whole licence here
        classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
        text = classifiers[0].rsplit("::", 1)[-1].strip() if classifiers else "see the package"
    return " ".join(text.split())


def about_facts(settings_file: str) -> AboutFacts:
    from core.journal import FILE_NAME

    folder = data_dir()
    return AboutFacts(
        version=version(),
        data_folder=folder,
        journal=folder / FILE_NAME,
        log_folder=log_dir(),
        settings_file=settings_file,
        libraries=tuple(Library(name, version(name), licence(name)) for name in LIBRARIES),
    )
