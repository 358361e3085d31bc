"""Help ▸ About: the version, where data and logs live, and the licences."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from gui.state.about import APP_LICENCE, AboutFacts
from gui.widgets.safe_browser import SafeTextBrowser


def about_html(facts: AboutFacts) -> str:
    def row(label: str, value: object) -> str:
        return f"<tr><td><b>{html.escape(label)}</b></td><td>{html.escape(str(value))}</td></tr>"

    places = "".join(
        (
            row("Data folder", facts.data_folder),
            row("Run journal", facts.journal),
            row("Log files", facts.log_folder),
            row("Settings", facts.settings_file),
        )
    )
    libraries = "".join(
        f"<tr><td>{html.escape(lib.name)}</td><td>{html.escape(lib.version)}</td>"
        f"<td>{html.escape(lib.licence)}</td></tr>"
        for lib in facts.libraries
    )
    return (
        f"<h3>SectionFlow {html.escape(facts.version)}</h3>"
        "<p>Split a long PDF into sections and analyse them concurrently with Gemini, "
        f"or offline. Licence: {APP_LICENCE}.</p>"
        f"<h4>Where your files are</h4><table cellspacing='4'>{places}</table>"
        "<p>The API key is never in these files: it is in the environment, .env, the "
        "system keyring, or kept in memory for the session.</p>"
        "<h4>Built with</h4><table cellspacing='4'>"
        "<tr><th align='left'>Library</th><th align='left'>Version</th>"
        f"<th align='left'>Licence</th></tr>{libraries}</table>"
    )


class AboutDialog(QDialog):
    def __init__(self, facts: AboutFacts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.facts = facts
        self.setWindowTitle("About SectionFlow")
        self.resize(560, 520)
        self.text = SafeTextBrowser(self)
        self.text.setHtml(about_html(facts))
        self.text.setToolTip("Version, where SectionFlow keeps its files, and licences")
        self.text.setAccessibleName("About SectionFlow")
        hint = QLabel("Help ▸ Open log folder shows the log files.", self)
        hint.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
