"""The window's state without Qt: what the widgets show, as plain observable Python.

Widgets bind to these classes through small generic adapters (``gui/widgets/list_model.py``
for rows, ``gui/binding.py`` for settings), as glue binds its state to widgets, so the
widgets hold no logic and everything here is testable without a display. An import-linter
contract in pyproject.toml keeps Qt out of this package.
"""
