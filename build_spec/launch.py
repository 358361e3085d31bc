"""Entry point of the bundled app: the one executable is the window, the CLI and the
self-test.

``multiprocessing.freeze_support()`` must come first: the PDF worker pool uses the
'spawn' start method, so each worker is this same executable started again with
multiprocessing's arguments; freeze_support() turns such a start into the worker and
exits, before anything else is imported or any window opens.

Then :func:`launcher.main` decides, as for the installed ``sectionflow`` command: no
arguments (a double-click), ``--self-test`` (the window's own check) or a single PDF (a
file manager's "Open with", the .desktop file's ``%f``) open the window; anything else
is the ``sectionflow`` command line.
"""

from __future__ import annotations

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    from launcher import main as launch  # after freeze_support: a worker never imports it

    return launch()


if __name__ == "__main__":
    sys.exit(main())
