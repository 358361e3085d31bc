"""A slider with its number beside it; either can be used, both always agree.

The spin box makes the exact value visible and typeable (keyboard users, screen readers);
the slider makes the range obvious. ``valueChanged`` fires once per real change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSlider, QSpinBox, QWidget


class SliderSpin(QWidget):
    valueChanged = Signal(int)

    def __init__(
        self,
        minimum: int,
        maximum: int,
        *,
        step: int = 1,
        suffix: str = "",
        tooltip: str = "",
        name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.spin = QSpinBox(self)
        for control in (self.slider, self.spin):
            control.setRange(minimum, maximum)
            control.setSingleStep(step)
            control.setToolTip(tooltip)
            control.setAccessibleName(name)
        self.slider.setPageStep(step * 4)
        self.spin.setSuffix(suffix)
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(88)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setToolTip(tooltip)
        self.setFocusProxy(self.slider)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self._value = self.slider.value()

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        value = max(self.slider.minimum(), min(self.slider.maximum(), int(value)))
        if value == self._value and self.spin.value() == value:
            return
        self._value = value
        self.slider.blockSignals(True)
        self.spin.blockSignals(True)
        self.slider.setValue(value)
        self.spin.setValue(value)
        self.slider.blockSignals(False)
        self.spin.blockSignals(False)
        self.valueChanged.emit(value)

    def minimum(self) -> int:
        return self.slider.minimum()

    def maximum(self) -> int:
        return self.slider.maximum()

    def _from_slider(self, value: int) -> None:
        self.setValue(value)

    def _from_spin(self, value: int) -> None:
        self.setValue(value)
