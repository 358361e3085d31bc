"""Every engine knob the analyst may turn, bound to the fields of ``core.settings.Settings``.

The panel knows field names and ranges, nothing about what they do: ``values()`` is a dict
of Settings overrides the window validates through :func:`core.settings.load_settings`
for the next run, and ``changed(field, value)`` lets the window move a running limit at
once. The throttle threshold is kept at or under the maximum by moving the other slider,
so the pair can never form a value ``Settings`` rejects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.settings import ProcessorKind, Settings
from gui.prompt_templates import PromptChoice, available_templates
from gui.widgets.slider_spin import SliderSpin
from gui.widgets.suggestions_box import History, SuggestionRow, SuggestionsBox

if TYPE_CHECKING:
    from core.suggest import Suggestion


@dataclass(frozen=True)
class IntKnob:
    field: str
    label: str
    minimum: int
    maximum: int
    step: int
    suffix: str
    tooltip: str


CONCURRENCY = (
    IntKnob(
        "max_concurrent_section_tasks",
        "Section tasks",
        1,
        32,
        1,
        "",
        "How many sections run at once (MAX_CONCURRENT_SECTION_TASKS). "
        "Moving it during a run changes the running limit at once.",
    ),
    IntKnob(
        "max_concurrent_uploads",
        "Uploads",
        1,
        16,
        1,
        "",
        "How many uploads to Gemini run at once (MAX_CONCURRENT_UPLOADS)",
    ),
    IntKnob(
        "max_concurrent_splits",
        "Splits",
        1,
        16,
        1,
        "",
        "How many sections are cut out of the PDF at once (MAX_CONCURRENT_SPLITS)",
    ),
)
MEMORY = (
    IntKnob(
        "memory_throttle_threshold_mb",
        "Throttle above",
        128,
        16384,
        64,
        " MB",
        "No new section starts while memory use is above this "
        "(MEMORY_THROTTLE_THRESHOLD_MB); kept at or under the maximum",
    ),
    IntKnob(
        "max_memory_usage_mb",
        "Maximum",
        128,
        16384,
        64,
        " MB",
        "Memory ceiling (MAX_MEMORY_USAGE_MB): above it the engine waits longest",
    ),
)
TIMEOUTS = (
    ("section_task_timeout_seconds", "Whole section", "Longest one section may take, all stages"),
    ("split_timeout_seconds", "Split", "Longest one split may take"),
    ("upload_timeout_seconds", "Upload", "Longest one upload may take"),
    ("processing_timeout_seconds", "Analysis", "Longest one analysis call may take"),
)
BACKENDS = (
    (ProcessorKind.LOCAL, "Offline (no network, no key)"),
    (ProcessorKind.GEMINI, "Gemini"),
)


def known_models() -> list[str]:
    """Model names from the price table (so every listed model has an estimate)."""
    try:
        from core.cost import load_prices

        return list(load_prices().models)
    except Exception:
        return []


def seed_defaults() -> dict[str, Any]:
    """The seed's values, straight from the Settings field defaults (not .env)."""
    fields = Settings.model_fields
    names = [k.field for k in CONCURRENCY + MEMORY] + [t[0] for t in TIMEOUTS]
    names += ["enable_memory_monitoring", "gemini_model"]
    values = {name: fields[name].default for name in names}
    values["processor"] = ProcessorKind.LOCAL.value
    return values


class SettingsPanel(QWidget):
    #: field name, new value — emitted for every user change
    changed = Signal(str, object)
    #: the prompt template or its text changed
    prompt_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sliders: dict[str, SliderSpin] = {}
        self.timeouts: dict[str, QDoubleSpinBox] = {}
        self._templates: dict[str, PromptChoice] = {}

        concurrency = QGroupBox("Concurrency", self)
        form = QFormLayout(concurrency)
        for knob in CONCURRENCY:
            form.addRow(self._label(knob.label, knob.tooltip), self._slider(knob))

        memory = QGroupBox("Memory", self)
        form = QFormLayout(memory)
        self.monitoring = QCheckBox("Monitor memory and throttle", memory)
        self.monitoring.setToolTip(
            "Watch the app's memory (with its worker processes) and hold new sections "
            "while it is above the threshold (ENABLE_MEMORY_MONITORING)"
        )
        self.monitoring.toggled.connect(
            lambda on: self.changed.emit("enable_memory_monitoring", on)
        )
        form.addRow(self.monitoring)
        for knob in MEMORY:
            form.addRow(self._label(knob.label, knob.tooltip), self._slider(knob))
        self.sliders["memory_throttle_threshold_mb"].valueChanged.connect(self._threshold_moved)
        self.sliders["max_memory_usage_mb"].valueChanged.connect(self._max_moved)

        timeouts = QGroupBox("Timeouts", self)
        form = QFormLayout(timeouts)
        for field, label, tip in TIMEOUTS:
            spin = QDoubleSpinBox(timeouts)
            spin.setRange(1, 24 * 3600)
            spin.setDecimals(0)
            spin.setSuffix(" s")
            spin.setKeyboardTracking(False)
            spin.setToolTip(f"{tip} ({field.upper()})")
            spin.setAccessibleName(f"{label} timeout")
            spin.valueChanged.connect(lambda value, f=field: self.changed.emit(f, value))
            self.timeouts[field] = spin
            form.addRow(self._label(label, spin.toolTip()), spin)

        self.suggestions = SuggestionsBox(self)
        self.suggestions.apply_requested.connect(self.apply_value)

        backend = QGroupBox("Analysis", self)
        form = QFormLayout(backend)
        self.backend = QComboBox(backend)
        for kind, text in BACKENDS:
            self.backend.addItem(text, kind.value)
        self.backend.setToolTip(
            "Offline extracts the text of each section on this computer; Gemini sends "
            "each section to Google's model (needs an API key)"
        )
        self.backend.setAccessibleName("Backend")
        self.backend.currentIndexChanged.connect(self._backend_changed)
        self.model = QComboBox(backend)
        self.model.setEditable(True)
        self.model.addItems(known_models() or [Settings.model_fields["gemini_model"].default])
        self.model.setToolTip("Gemini model name (GEMINI_MODEL); type any model you have access to")
        self.model.setAccessibleName("Model")
        self.model.currentTextChanged.connect(lambda text: self.changed.emit("gemini_model", text))
        self.template = QComboBox(backend)
        self.template.setToolTip(
            "The question asked of every section (a section's own prompt wins)"
        )
        self.template.setAccessibleName("Prompt template")
        self.template.currentIndexChanged.connect(self._template_chosen)
        self.prompt_edit = QPlainTextEdit(backend)
        self.prompt_edit.setToolTip("The prompt text sent with each section; edit freely")
        self.prompt_edit.setAccessibleName("Prompt text")
        self.prompt_edit.setMinimumHeight(90)
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.textChanged.connect(self.prompt_changed)
        form.addRow(self._label("Backend", self.backend.toolTip()), self.backend)
        form.addRow(self._label("Model", self.model.toolTip()), self.model)
        form.addRow(self._label("Prompt", self.template.toolTip()), self.template)
        form.addRow(self.prompt_edit)
        self.use_cache = QCheckBox("Use cached results", backend)
        self.use_cache.setChecked(True)
        self.use_cache.setToolTip(
            "Reuse an earlier answer when a section's pages, prompt and model are unchanged; "
            "off asks again and is billed again"
        )
        form.addRow(self.use_cache)

        self.reset_button = QPushButton("Reset to defaults", self)
        self.reset_button.setToolTip("Restore the seed's default for every setting above")
        self.reset_button.clicked.connect(self.reset_to_defaults)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for group in (concurrency, memory, timeouts, self.suggestions, backend):
            layout.addWidget(group)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.load_templates()

    # -- building ---------------------------------------------------------------------

    def _label(self, text: str, tip: str) -> QLabel:
        label = QLabel(text, self)
        label.setToolTip(tip)
        return label

    def _slider(self, knob: IntKnob) -> SliderSpin:
        control = SliderSpin(
            knob.minimum,
            knob.maximum,
            step=knob.step,
            suffix=knob.suffix,
            tooltip=knob.tooltip,
            name=knob.label,
            parent=self,
        )
        control.valueChanged.connect(lambda value, f=knob.field: self.changed.emit(f, value))
        self.sliders[knob.field] = control
        return control

    # -- the threshold <= max rule ----------------------------------------------------

    def _threshold_moved(self, value: int) -> None:
        maximum = self.sliders["max_memory_usage_mb"]
        if value > maximum.value():
            maximum.setValue(value)

    def _max_moved(self, value: int) -> None:
        threshold = self.sliders["memory_throttle_threshold_mb"]
        if value < threshold.value():
            threshold.setValue(value)

    # -- values -----------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """Settings overrides for the next run."""
        values: dict[str, Any] = {f: s.value() for f, s in self.sliders.items()}
        values.update({f: s.value() for f, s in self.timeouts.items()})
        values["enable_memory_monitoring"] = self.monitoring.isChecked()
        values["processor"] = self.backend.currentData()
        values["gemini_model"] = (
            self.model.currentText().strip() or Settings.model_fields["gemini_model"].default
        )
        return values

    def set_values(self, values: dict[str, Any]) -> None:
        """Show values (e.g. from Settings or QSettings) without emitting ``changed``."""
        self.blockSignals(True)
        try:
            # maximum first so a raised threshold is not clamped by the old maximum
            order = [
                "max_memory_usage_mb",
                *[f for f in self.sliders if f != "max_memory_usage_mb"],
            ]
            for field in order:
                if field in values:
                    self.sliders[field].setValue(int(values[field]))
            for field, spin in self.timeouts.items():
                if field in values:
                    spin.setValue(float(values[field]))
            if "enable_memory_monitoring" in values:
                self.monitoring.setChecked(bool(values["enable_memory_monitoring"]))
            if "processor" in values:
                kind = str(getattr(values["processor"], "value", values["processor"]))
                index = self.backend.findData(kind)
                self.backend.setCurrentIndex(index if index >= 0 else 0)
            if values.get("gemini_model"):
                self.model.setCurrentText(str(values["gemini_model"]))
        finally:
            self.blockSignals(False)
        self._backend_changed()

    # -- suggestions from past runs ----------------------------------------------------

    def field_label(self, field: str) -> str:
        for knob in CONCURRENCY + MEMORY:
            if knob.field == field:
                return knob.label
        for name, label, _tip in TIMEOUTS:
            if name == field:
                return f"{label} timeout"
        return field

    def format_value(self, field: str, value: float) -> str:
        if field in self.timeouts:
            return f"{value:,.0f} s"
        if field in self.sliders:
            return f"{value:,.0f}{self.sliders[field].spin.suffix()}"
        return f"{value:g}"

    def show_suggestions(self, suggestions: Sequence[Suggestion], history: History) -> None:
        """List suggestions for the controls this panel has, each with an Apply button."""
        rows = [
            SuggestionRow(
                s.setting,
                self.field_label(s.setting),
                self.format_value(s.setting, s.current),
                self.format_value(s.setting, s.suggested),
                s.why,
                float(s.suggested),
            )
            for s in suggestions
            if s.setting in self.sliders or s.setting in self.timeouts
        ]
        self.suggestions.set_rows(rows, history)

    def apply_value(self, field: str, value: float) -> None:
        """Move a control as the user would (so ``changed`` fires and a running limit
        follows); used by the suggestions' Apply buttons."""
        if field in self.sliders:
            self.sliders[field].setValue(round(value))
        elif field in self.timeouts:
            self.timeouts[field].setValue(float(value))

    def reset_to_defaults(self) -> None:
        defaults = seed_defaults()
        self.set_values(defaults)
        self.use_cache.setChecked(True)
        for field, value in self.values().items():
            self.changed.emit(field, value)
        if self.template.count():
            self.template.setCurrentIndex(0)
            self._template_chosen(0)

    def _backend_changed(self, *_: object) -> None:
        gemini = self.backend.currentData() == ProcessorKind.GEMINI.value
        self.model.setEnabled(gemini)
        self.timeouts["upload_timeout_seconds"].setEnabled(gemini)
        self.sliders["max_concurrent_uploads"].setEnabled(gemini)
        if not self.signalsBlocked():
            self.changed.emit("processor", self.backend.currentData())

    # -- prompt -----------------------------------------------------------------------

    def load_templates(self) -> None:
        self._templates = available_templates()
        self.template.blockSignals(True)
        self.template.clear()
        for name, choice in self._templates.items():
            self.template.addItem(choice.title, name)
            self.template.setItemData(
                self.template.count() - 1,
                choice.text[:400],
                role=3,  # ToolTipRole
            )
        self.template.blockSignals(False)
        self._template_chosen(self.template.currentIndex())

    def _template_chosen(self, index: int) -> None:
        name = self.template.itemData(index)
        choice = self._templates.get(name)
        if choice is not None:
            self.prompt_edit.setPlainText(choice.text)
        self.prompt_changed.emit()

    def select_template(self, name: str, text: str | None = None) -> None:
        index = self.template.findData(name)
        if index >= 0:
            self.template.setCurrentIndex(index)
        if text:
            self.prompt_edit.setPlainText(text)

    def template_name(self) -> str:
        return str(self.template.currentData() or "custom")

    def prompt(self):
        """The core Prompt for the next run: chosen template, edited text, its schema."""
        name = self.template_name()
        choice = self._templates.get(name)
        text = self.prompt_edit.toPlainText().strip()
        return (choice or PromptChoice(name, name, text, None)).to_prompt(text)
