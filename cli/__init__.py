"""``sectionflow``'s command line: one module per command over the engine in :mod:`core`.

:mod:`cli.main` builds the parser from the command modules and maps errors to exit codes;
:mod:`cli.common` holds what the commands share. The desktop app is not reached from here:
:mod:`launcher` decides between the window and this package.
"""
