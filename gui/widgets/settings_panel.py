"""Every engine knob the analyst may turn, each bound to one field of the app's settings.

The panel lays the controls out and says what they mean; their values live in
:class:`gui.state.settings.AppSettings`, to which each control is bound by one generic
adapter (:mod:`gui.binding`). So the rules (the throttle threshold stays at or under the
maximum, a value equal to ``.env`` is not kept as a choice) and the validation are the
model's, and a label marked "•" shows a value the user changed from ``.env``, the
environment or the built-in default. Reset returns every field to that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
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

from core.events import Slot
from core.limits import SLOT_FIELDS
from core.processors.base import Prompt
from core.processors.gemini_client import service_for
from core.prompts import CUSTOM, PromptTemplate, templates_or_fallback
from core.settings import MediaResolution, ProcessorKind, Settings
from gui.binding import SettingsBinder
from gui.state.settings import AppSettings
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
        SLOT_FIELDS[Slot.SECTION],
        "Section tasks",
        1,
        32,
        1,
        "",
        "How many sections run at once (MAX_CONCURRENT_SECTION_TASKS). "
        "Moving it during a run changes the running limit at once.",
    ),
    IntKnob(
        SLOT_FIELDS[Slot.UPLOAD],
        "Uploads",
        1,
        16,
        1,
        "",
        "How many uploads to Gemini run at once (MAX_CONCURRENT_UPLOADS)",
    ),
    IntKnob(
        SLOT_FIELDS[Slot.SPLIT],
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
    (ProcessorKind.LOCAL, "Offline (no key)"),
    (ProcessorKind.GEMINI, "Gemini"),
)
DETAIL = (
    (MediaResolution.DEFAULT, "Model's default"),
    (MediaResolution.LOW, "Low (fewest tokens a page)"),
    (MediaResolution.MEDIUM, "Medium"),
    (MediaResolution.HIGH, "High (small print, dense tables)"),
)


def known_models() -> list[str]:
    """Model names from the price table (so every listed model has an estimate)."""
    try:
        from core.cost import load_prices

        return list(load_prices().models)
    except Exception:
        return []


def narrow(combo: QComboBox, chars: int = 14) -> None:
    """Ask for room for ``chars`` characters, not the longest item (which widened the
    panel past a small screen); the open list still shows every item whole."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)


class SettingsPanel(QWidget):
    #: the prompt template or its text changed
    prompt_changed = Signal()
    #: a value the user typed is not allowed (the text says why)
    error = Signal(str)

    def __init__(self, model: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.binder = SettingsBinder(model, self.error.emit)
        self.sliders: dict[str, SliderSpin] = {}
        self.timeouts: dict[str, QDoubleSpinBox] = {}
        self._templates: dict[str, PromptTemplate] = {}

        groups = (
            self._concurrency_group(),
            self._memory_group(),
            self._timeouts_group(),
        )
        self.suggestions = SuggestionsBox(self)
        self.suggestions.apply_requested.connect(self.apply_value)
        backend = self._analysis_group()

        self.reset_button = QPushButton("Reset to defaults", self)
        self.reset_button.setToolTip(
            "Return every setting marked • to the value .env or the environment gives "
            "(the built-in default where neither sets it)"
        )
        self.reset_button.clicked.connect(self.reset_to_defaults)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for group in (*groups, self.suggestions, backend):
            layout.addWidget(group)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.load_templates()
        model.subscribe(self._model_changed)
        self._backend_shown()

    # -- building ---------------------------------------------------------------------

    def _concurrency_group(self) -> QGroupBox:
        group = QGroupBox("Concurrency", self)
        form = QFormLayout(group)
        for knob in CONCURRENCY:
            label = self._label(knob.label, knob.tooltip)
            form.addRow(label, self._slider(knob, label))
        return group

    def _memory_group(self) -> QGroupBox:
        group = QGroupBox("Memory", self)
        form = QFormLayout(group)
        self.monitoring = QCheckBox("Monitor memory and throttle", group)
        self.monitoring.setToolTip(
            "Watch the app's memory (with its worker processes) and hold new sections "
            "while it is above the threshold (ENABLE_MEMORY_MONITORING)"
        )
        form.addRow(self.monitoring)
        self.binder.bind("enable_memory_monitoring", self.monitoring)
        for knob in MEMORY:
            label = self._label(knob.label, knob.tooltip)
            form.addRow(label, self._slider(knob, label))
        self.own_memory = QLabel(group)
        self.own_memory.setWordWrap(True)
        self.own_memory.setToolTip(
            "What SectionFlow and its PDF worker processes use before any section runs: "
            "with the throttle below it, sections start one at a time"
        )
        form.addRow(self.own_memory)
        return group

    def show_own_memory(self, text: str, warning: bool) -> None:
        """The line under the memory sliders (core.memory.own_memory_note)."""
        self.own_memory.setText(("⚠ " if warning else "") + text)
        self.own_memory.setStyleSheet("color: #b45309;" if warning else "color: palette(mid);")

    def _timeouts_group(self) -> QGroupBox:
        group = QGroupBox("Timeouts", self)
        form = QFormLayout(group)
        for field, text, tip in TIMEOUTS:
            spin = QDoubleSpinBox(group)
            spin.setRange(1, 24 * 3600)
            spin.setDecimals(0)
            spin.setSuffix(" s")
            spin.setKeyboardTracking(False)
            spin.setToolTip(f"{tip} ({field.upper()})")
            spin.setAccessibleName(f"{text} timeout")
            label = self._label(text, spin.toolTip())
            self.timeouts[field] = spin
            form.addRow(label, spin)
            self.binder.bind(field, spin, label)
        return group

    def _analysis_group(self) -> QGroupBox:
        group = QGroupBox("Analysis", self)
        form = QFormLayout(group)
        self.backend = self._choices(
            group,
            BACKENDS,
            "Backend",
            "Offline extracts the text of each section on this computer; Gemini sends "
            "each section to Google's model (needs an API key)",
        )
        self.model_box = QComboBox(group)
        self.model_box.setEditable(True)
        self.model_box.addItems(known_models() or [Settings.model_fields["gemini_model"].default])
        self.model_box.setToolTip(
            "Gemini model name (GEMINI_MODEL); type any model you have access to"
        )
        self.model_box.setAccessibleName("Model")
        self.template = QComboBox(group)
        self.template.setToolTip(
            "The question asked of every section (a section's own prompt wins)"
        )
        self.template.setAccessibleName("Prompt template")
        self.template.currentIndexChanged.connect(self._template_chosen)
        self.prompt_edit = QPlainTextEdit(group)
        self.prompt_edit.setToolTip("The prompt text sent with each section; edit freely")
        self.prompt_edit.setAccessibleName("Prompt text")
        self.prompt_edit.setMinimumHeight(90)
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.textChanged.connect(self.prompt_changed)
        backend_label = self._label("Backend", self.backend.toolTip())
        model_label = self._label("Model", self.model_box.toolTip())
        form.addRow(backend_label, self.backend)
        self.service = QLabel(service_for(self.model.settings()).describe(), group)
        self.service.setToolTip(
            "Where Gemini runs: the Gemini API, or Vertex AI on Google Cloud "
            "(GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_CLOUD_PROJECT; see the README)"
        )
        self.service.setAccessibleName("Gemini service")
        form.addRow(self._label("Service", self.service.toolTip()), self.service)
        form.addRow(model_label, self.model_box)
        self._cost_controls(group, form)
        form.addRow(self._label("Prompt", self.template.toolTip()), self.template)
        form.addRow(self.prompt_edit)
        self.use_cache = QCheckBox("Use cached results", group)
        self.use_cache.setChecked(True)
        self.use_cache.setToolTip(
            "Reuse an earlier answer when a section's pages, prompt and model are unchanged; "
            "off asks again and is billed again"
        )
        form.addRow(self.use_cache)
        self.synthesis = QCheckBox("Whole-document synthesis", group)
        self.synthesis.setChecked(True)
        self.synthesis.setToolTip(
            "After the sections, one more step writes an answer for the whole document "
            "from the section answers, each claim citing its page (with Gemini, one "
            "text-only request: no PDF is sent again)"
        )
        form.addRow(self.synthesis)
        self.binder.bind("processor", self.backend, backend_label)
        self.binder.bind("gemini_model", self.model_box, model_label)
        for combo in (self.backend, self.model_box, self.template):
            narrow(combo)
        return group

    def _cost_controls(self, group: QGroupBox, form: QFormLayout) -> None:
        """Detail level (media resolution), the budget cap and how long uploads are kept
        for re-asks, all Gemini only."""
        self.detail = self._choices(
            group,
            DETAIL,
            "Detail level",
            "How finely Gemini reads each page (GEMINI_MEDIA_RESOLUTION): low costs fewer "
            "tokens a page, high reads small print better; the estimate follows",
        )
        self.budget = self._amount(
            group,
            (0, 100_000, 2),
            "No cap",
            "Budget cap",
            "No new section starts once what the run spent plus the estimate of those in "
            "flight would pass this; the rest are skipped and a retry continues them "
            "(MAX_COST_USD; 0 = no cap)",
        )
        self.budget.setPrefix("$ ")
        self.keep_uploads = self._amount(
            group,
            (0, 47, 1),
            "Off",
            "Keep uploads for re-asks",
            "Uploaded sections stay on Gemini this long, recorded in the remote-file ledger, "
            "so another question about the same document uploads nothing; History ▸ Clear "
            "history deletes them at once (KEEP_UPLOADS_HOURS, at most 47; 0 = delete them "
            "when the run ends)",
        )
        self.keep_uploads.setSingleStep(1)
        self.keep_uploads.setSuffix(" h")
        detail_label = self._label("Detail", self.detail.toolTip())
        budget_label = self._label("Budget", self.budget.toolTip())
        keep_label = self._label("Keep files", self.keep_uploads.toolTip())
        form.addRow(detail_label, self.detail)
        form.addRow(budget_label, self.budget)
        form.addRow(keep_label, self.keep_uploads)
        self.binder.bind("gemini_media_resolution", self.detail, detail_label)
        self.binder.bind("max_cost_usd", self.budget, budget_label)
        self.binder.bind("keep_uploads_hours", self.keep_uploads, keep_label)

    @staticmethod
    def _amount(
        group: QGroupBox, limits: tuple[float, float, int], off: str, name: str, tip: str
    ) -> QDoubleSpinBox:
        """A number field (``limits``: lowest, highest, decimals) whose lowest value means
        ``off``, committed on Enter or focus-out rather than on every key."""
        box = QDoubleSpinBox(group)
        low, high, decimals = limits
        box.setRange(low, high)
        box.setDecimals(decimals)
        box.setSpecialValueText(off)
        box.setKeyboardTracking(False)
        box.setToolTip(tip)
        box.setAccessibleName(name)
        return box

    @staticmethod
    def _choices(
        parent: QWidget, items: Sequence[tuple[StrEnum, str]], name: str, tip: str
    ) -> QComboBox:
        """A list of choices, each item's data its setting value."""
        box = QComboBox(parent)
        for value, text in items:
            box.addItem(text, value.value)
        box.setToolTip(tip)
        box.setAccessibleName(name)
        narrow(box)
        return box

    def _label(self, text: str, tip: str) -> QLabel:
        label = QLabel(text, self)
        label.setToolTip(tip)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def _slider(self, knob: IntKnob, label: QLabel) -> SliderSpin:
        control = SliderSpin(
            knob.minimum,
            knob.maximum,
            step=knob.step,
            suffix=knob.suffix,
            tooltip=knob.tooltip,
            name=knob.label,
            parent=self,
        )
        self.sliders[knob.field] = control
        self.binder.bind(knob.field, control, label)
        return control

    # -- following the model ----------------------------------------------------------

    def _model_changed(self, name: str, value: Any) -> None:
        if name == "processor":
            self._backend_shown()

    def _backend_shown(self) -> None:
        """Gemini-only controls are off while the offline backend is chosen."""
        gemini = self.model.value("processor") == ProcessorKind.GEMINI.value
        self.model_box.setEnabled(gemini)
        for control in (self.detail, self.budget, self.keep_uploads, self.service):
            control.setEnabled(gemini)
        self.timeouts["upload_timeout_seconds"].setEnabled(gemini)
        self.sliders[SLOT_FIELDS[Slot.UPLOAD]].setEnabled(gemini)

    def reset_to_defaults(self) -> None:
        self.model.reset()
        self.use_cache.setChecked(True)
        self.synthesis.setChecked(True)
        if self.template.count():
            self.template.setCurrentIndex(0)
            self._template_chosen(0)

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
        """A suggestion's Apply: the model takes the value, as from the control itself
        (so a running limit follows)."""
        if field in self.sliders:
            self.model.set(field, round(value))
        elif field in self.timeouts:
            self.model.set(field, float(value))

    # -- prompt -----------------------------------------------------------------------

    def load_templates(self) -> None:
        self._templates = templates_or_fallback()
        self.template.blockSignals(True)
        self.template.clear()
        for name, choice in self._templates.items():
            self.template.addItem(choice.title, name)
            self.template.setItemData(
                self.template.count() - 1, choice.prompt[:400], Qt.ItemDataRole.ToolTipRole
            )
        self.template.blockSignals(False)
        self._template_chosen(self.template.currentIndex())

    def _template_chosen(self, index: int) -> None:
        choice = self._templates.get(self.template.itemData(index))
        if choice is not None:
            self.prompt_edit.setPlainText(choice.prompt)
        self.prompt_changed.emit()

    def select_template(self, name: str, text: str | None = None) -> None:
        index = self.template.findData(name)
        if index >= 0:
            self.template.setCurrentIndex(index)
        if text:
            self.prompt_edit.setPlainText(text)

    def template_name(self) -> str:
        return str(self.template.currentData() or CUSTOM)

    def prompt(self) -> Prompt:
        """The core Prompt for the next run: chosen template, edited text, its schema."""
        name = self.template_name()
        text = self.prompt_edit.toPlainText().strip()
        choice = self._templates.get(name)
        if choice is None:
            return Prompt(name=name, text=text, schema=None)
        return choice.to_prompt(text)
