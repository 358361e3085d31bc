"""Entry point of the bundled app: the one executable is the window, the CLI and the
self-test.

``multiprocessing.freeze_support()`` must come first: the PDF worker pool uses the
'spawn' start method, so each worker is this same executable started again with
multiprocessing's arguments; freeze_support() turns such a start into the worker and
exits, before anything else is imported or any window opens.

No arguments (a double-click) opens the window, as do ``--self-test`` (the window's own
check) and a single PDF (a file manager's "Open with", the .desktop file's ``%f``);
anything else is the ``sectionflow`` command line.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def wants_window(args: list[str]) -> bool:
    """The window's own arguments: --self-test, or one PDF to open."""
    if args[:1] == ["--self-test"]:
        return True
    return len(args) == 1 and args[0].lower().endswith(".pdf") and Path(args[0]).is_file()


def main() -> int:
    multiprocessing.freeze_support()
    if wants_window(sys.argv[1:]):
        from gui.app import main as gui_main

        return gui_main()
    from core.cli import entry

    return entry()


if __name__ == "__main__":
    sys.exit(main())
