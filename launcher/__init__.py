"""``sectionflow``: the desktop app or the command line, decided here.

The window (:mod:`gui`) and the command line (:mod:`cli`) are independent front ends over
the engine; this package is the one place above both that knows each exists. With no
arguments (a double-click), ``--self-test``, or a PDF first (a file manager's "Open
with"), or when the command line names no command, the window opens; otherwise the
command runs.

The two front ends are imported inside :func:`main`, not at the top: the console script
``sectionflow`` imports this module in each PDF worker process too (multiprocessing's
'spawn' re-runs the main script's imports in every child), and neither front end belongs
there; the window also should not wait for the command line's parser to load.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path


def console() -> int:
    """The ``sectionflow`` console script and ``python -m launcher``: a command's process
    ends as soon as its work is done (:mod:`launcher.quick_exit`)."""
    return main(quick_exit=True)


def main(argv: Sequence[str] | None = None, *, quick_exit: bool = False) -> int:
    """The window or a command, for these arguments (the process's own by default); the
    exit code. ``quick_exit``: after a command, end the process without finalising the
    interpreter."""
    multiprocessing.freeze_support()  # a frozen app's worker processes start here
    words = list(sys.argv[1:] if argv is None else argv)
    if wants_window(words):
        return open_desktop_app()
    from cli.main import parse_arguments, run  # not at the top: see the module docstring

    args = parse_arguments(words)
    if args.command is None:  # options only, e.g. --self-test with others
        return open_desktop_app()
    code = run(args)
    if quick_exit:
        from launcher.quick_exit import leave

        leave(code)
    return code


def wants_window(words: Sequence[str]) -> bool:
    """The window's arguments that are known without parsing the command line: none,
    ``--self-test``, or an existing PDF first (opened in the window)."""
    if list(words) in ([], ["--self-test"]):
        return True
    return bool(words) and words[0].lower().endswith(".pdf") and Path(words[0]).exists()


def open_desktop_app() -> int:
    """Hand over to the desktop app; a build without it says how to use the command line."""
    try:
        from gui.app import main as window  # not at the top: see the module docstring
    except ImportError as exc:
        from cli.common import EXIT_FAILED, PROG

        print(
            f"{PROG}: the desktop app is not available ({exc}). "
            f"Use '{PROG} process FILE.pdf' for the command line.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return int(window() or 0)
