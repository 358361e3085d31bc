"""One look for "this input is wrong" across the app: a red frame and the reason as tooltip.

A dynamic property plus a style sheet keyed on it (rather than a hard-coded palette) keeps
the normal look of each platform style untouched when the input is fine.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

INVALID_STYLE = '*[invalid="true"] { border: 2px solid #d9534f; border-radius: 3px; }'


def mark_invalid(widget: QWidget, reason: str | None) -> None:
    """Mark (reason given) or unmark (None) a widget; the reason becomes its tooltip."""
    invalid = reason is not None
    if not hasattr(widget, "_normal_tooltip"):
        widget._normal_tooltip = widget.toolTip()  # type: ignore[attr-defined]
    if widget.property("invalid") != invalid:
        widget.setProperty("invalid", invalid)
        widget.setStyleSheet(INVALID_STYLE if invalid else "")
    widget.setToolTip(reason if invalid else widget._normal_tooltip)  # type: ignore[attr-defined]
    widget.setAccessibleDescription(reason or "")
