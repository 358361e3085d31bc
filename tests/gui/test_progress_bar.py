"""The overall bar moves with the window's next frame, not by painting on the spot."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from pytestqt.qtbot import QtBot

from gui.widgets.progress_bar import ProgressBar


class _Paints(QObject):
    def __init__(self, bar: ProgressBar) -> None:
        super().__init__(bar)
        self.bar = bar
        self.values: list[int] = []
        bar.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.values.append(self.bar.value())
        return False


def test_a_finished_section_is_painted_with_the_next_frame(qtbot: QtBot) -> None:
    bar = ProgressBar()
    qtbot.addWidget(bar)
    bar.setRange(0, 10)
    bar.setFormat("%v of %m sections")
    bar.setValue(0)
    bar.show()
    qtbot.waitExposed(bar)
    paints = _Paints(bar)
    bar.update()
    qtbot.waitUntil(lambda: paints.values[-1:] == [0])  # the first frame is on screen
    paints.values.clear()

    bar.setValue(5)
    assert paints.values == []  # QProgressBar itself would have painted 5 just now

    qtbot.waitUntil(lambda: paints.values == [5])
    assert bar.text() == "5 of 10 sections"
