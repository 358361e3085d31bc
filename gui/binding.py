"""One generic adapter between a settings field and the control that shows it.

As glue binds Qt-free state to widgets, the settings panel's controls hold no logic:
each is bound to one field of :class:`gui.state.settings.AppSettings`. A user's change
goes to the model (which validates it and applies its rules); every model change,
whoever made it (the user, Reset, a suggestion's Apply, the threshold-follows-maximum
rule), comes back to the control with its signals blocked, so nothing loops. The label
beside the control says whether the value is the user's own or comes from ``.env``, the
environment or the built-in default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QSpinBox, QWidget

from core.settings import SettingsError, Source
from gui.state.settings import AppSettings, Origin
from gui.widgets.slider_spin import SliderSpin

#: the mark a label gets when the user's value differs from .env/the environment
CHANGED_MARK = "• "


@dataclass(frozen=True, slots=True)
class Access:
    """How to read, write and watch one kind of control."""

    read: Callable[[Any], Any]
    write: Callable[[Any, Any], None]
    signals: Callable[[Any], tuple[SignalInstance, ...]]


def _combo_write(combo: QComboBox, value: Any) -> None:
    if combo.isEditable():
        combo.setCurrentText(str(value))
        return
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)


def _access(widget: QWidget) -> Access:
    if isinstance(widget, SliderSpin | QSpinBox | QDoubleSpinBox):
        return Access(lambda w: w.value(), lambda w, v: w.setValue(v), _value_changed)
    if isinstance(widget, QCheckBox):
        return Access(lambda w: w.isChecked(), lambda w, v: w.setChecked(bool(v)), _toggled)
    if isinstance(widget, QComboBox) and widget.isEditable():
        return Access(lambda w: w.currentText().strip(), _combo_write, _text_entered)
    if isinstance(widget, QComboBox):
        return Access(lambda w: w.currentData(), _combo_write, _index_changed)
    raise TypeError(f"no binding for {type(widget).__name__}")


def _value_changed(widget: SliderSpin | QSpinBox | QDoubleSpinBox) -> tuple[SignalInstance, ...]:
    return (widget.valueChanged,)


def _toggled(widget: QCheckBox) -> tuple[SignalInstance, ...]:
    return (widget.toggled,)


def _text_entered(widget: QComboBox) -> tuple[SignalInstance, ...]:
    """A typed name counts when the user is done typing (Enter, or leaving the box), so
    a half-typed or momentarily empty name is never applied; a pick from the list counts
    at once."""
    line = widget.lineEdit()
    return (widget.activated, line.editingFinished) if line is not None else (widget.activated,)


def _index_changed(widget: QComboBox) -> tuple[SignalInstance, ...]:
    return (widget.currentIndexChanged,)


class FieldBinding(QObject):
    """Keeps one control, its label and one settings field in step."""

    def __init__(
        self,
        model: AppSettings,
        name: str,
        widget: QWidget,
        label: QLabel | None = None,
        *,
        on_error: Callable[[str], None] = lambda text: None,
    ) -> None:
        super().__init__(widget)
        self.model = model
        self.name = name
        self.widget = widget
        self.label = label
        self._text = label.text() if label is not None else ""
        self._tip = label.toolTip() if label is not None else ""
        self._on_error = on_error
        self._access = _access(widget)
        for signal in self._access.signals(widget):
            signal.connect(self._from_widget)
        self.show(model.value(name))

    def show(self, value: Any) -> None:
        """Put the model's value in the control (no change signal) and mark the label."""
        self.widget.blockSignals(True)
        try:
            self._access.write(self.widget, value)
        finally:
            self.widget.blockSignals(False)
        self._mark()

    def _from_widget(self, *_: object) -> None:
        value = self._access.read(self.widget)
        if value == self.model.value(self.name):
            return
        try:
            self.model.set(self.name, value)
        except SettingsError as exc:
            self._on_error(str(exc))
            self.show(self.model.value(self.name))  # back to what is in force

    def _mark(self) -> None:
        if self.label is None:
            return
        changed = self.model.is_changed(self.name)
        font = QFont(self.label.font())
        font.setBold(changed)
        self.label.setFont(font)
        self.label.setText(CHANGED_MARK + self._text if changed else self._text)
        self.label.setToolTip(f"{self._tip}\n\n{self.provenance()}".strip())

    def provenance(self) -> str:
        """Where the value comes from, in the user's words."""
        source = self.model.source(self.name)
        where = "the built-in default" if source is Source.DEFAULT else source.value
        if self.model.origin(self.name) is Origin.USER:
            default = self.model.default(self.name)
            return f"Changed by you; {where} says {default}. Reset brings it back."
        return f"From {where}."


class SettingsBinder:
    """Binds many controls to one model and follows the model's changes."""

    def __init__(self, model: AppSettings, on_error: Callable[[str], None]) -> None:
        self.model = model
        self.on_error = on_error
        self.bindings: dict[str, FieldBinding] = {}
        model.subscribe(self._changed)

    def bind(self, name: str, widget: QWidget, label: QLabel | None = None) -> FieldBinding:
        binding = FieldBinding(self.model, name, widget, label, on_error=self.on_error)
        self.bindings[name] = binding
        return binding

    def _changed(self, name: str, value: Any) -> None:
        binding = self.bindings.get(name)
        if binding is not None:
            binding.show(value)
