"""What bench.gui asks a driven app to do, as a user would (keys, mouse, menus).

Each command runs as a task on the app's own event loop and answers with one JSON object
holding the moments that matter (``time.monotonic()``). Input is *posted* to the widgets,
as the window system's events are queued, never sent synchronously.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QStyle, QStyleOptionSlider

if TYPE_CHECKING:
    from bench.app_channel import Channel
    from gui.main_window import MainWindow


async def _until(condition, timeout: float = 120.0, step: float = 0.01) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(step)


class Heartbeat:
    """A 10 ms precise timer on the GUI thread; gaps beyond 10 ms are stalls (an inside
    view, printed beside the outside probe's to show they agree)."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(max(0.0, (now - self._last) * 1000 - 10))
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        return max(self.gaps, default=0.0)


class Commands:
    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._tasks: set[asyncio.Task] = set()
        self.heartbeat = Heartbeat()

    @property
    def window(self) -> MainWindow:
        from gui.main_window import MainWindow

        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                return widget
        raise RuntimeError("no main window")

    async def _active(self) -> MainWindow:
        """The window, active: shortcuts (F5, Esc, Ctrl+Q) work in the active window only."""
        window = self.window
        if QApplication.activeWindow() is not window:
            window.activateWindow()
            window.raise_()
            await _until(lambda: QApplication.activeWindow() is window, timeout=10)
        return window

    def handle(self, message: dict[str, Any]) -> None:
        task = asyncio.get_event_loop().create_task(self._dispatch(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatch(self, message: dict[str, Any]) -> None:
        name = message.pop("do")
        try:
            answer = await getattr(self, f"do_{name}")(**message)
        except Exception as exc:  # the parent prints it and fails the measurement
            answer = {"error": f"{name}: {type(exc).__name__}: {exc}"}
        self._channel.send(answer or {})

    # -- documents --------------------------------------------------------------------

    async def do_open(self, path: str) -> dict[str, Any]:
        window = self.window
        started = time.monotonic()
        window.open_file(path)
        await _until(lambda: window.document is not None and str(window.document.path) == path)
        opened = time.monotonic()
        await _until(lambda: bool(window.pages.model.rendered_pages()))
        for thread in (window.prewarm_thread, window.memory_graph.warming):
            await _until(lambda t=thread: t is None or not t.is_alive())
        return {"t0": started, "opened": opened, "ready": time.monotonic()}

    async def do_window_shown(self) -> dict[str, Any]:
        """When the main window was first exposed (after the launch splash)."""
        from bench.app_channel import WINDOW_SHOWN

        await _until(lambda: "t" in WINDOW_SHOWN, timeout=60)
        return {"t": WINDOW_SHOWN["t"]}

    async def do_wait(self, seconds: float) -> dict[str, Any]:
        await asyncio.sleep(seconds)
        return {"t": time.monotonic()}

    async def do_state(self) -> dict[str, Any]:
        window = self.window
        return {
            "message": window.last_message,
            "error": window.last_error,
            "running": window.bridge.running,
            "dialogs": [type(d).__name__ for d in window._dialogs],
        }

    async def do_own_memory(self) -> dict[str, Any]:
        from core.memory import process_tree_rss_mb

        return {"rss_mb": await asyncio.to_thread(process_tree_rss_mb)}

    # -- paging -----------------------------------------------------------------------

    async def do_page_down(self, seconds: float, rate_hz: float = 30.0) -> dict[str, Any]:
        """Page Down held: key presses at the keyboard's repeat rate, queued as a held key
        queues them (a late tick posts every press that came due meanwhile)."""
        view = (await self._active()).pages.view
        view.setFocus()
        view.setCurrentIndex(view.model().index(0, 0))
        return await self._paced(seconds, rate_hz, lambda _: self._key(view, Qt.Key.Key_PageDown))

    async def do_drag(self, seconds: float, rate_hz: float = 60.0) -> dict[str, Any]:
        """The scrollbar's handle dragged from top to bottom at an even pace, then back."""
        bar = self.window.pages.view.verticalScrollBar()
        bar.setValue(0)
        option = QStyleOptionSlider()
        bar.initStyleOption(option)
        handle = bar.style().subControlRect(
            QStyle.ComplexControl.CC_ScrollBar, option, QStyle.SubControl.SC_ScrollBarSlider, bar
        )
        groove = bar.style().subControlRect(
            QStyle.ComplexControl.CC_ScrollBar, option, QStyle.SubControl.SC_ScrollBarGroove, bar
        )
        x = handle.center().x()
        top = handle.center().y()
        travel = groove.bottom() - handle.height() // 2 - top
        steps = max(2, int(seconds * rate_hz))
        self._mouse(bar, QEvent.Type.MouseButtonPress, QPoint(x, top))

        def move(step: int) -> None:
            fraction = step / (steps / 2) if step <= steps // 2 else 2 - step / (steps / 2)
            y = top + int(travel * min(1.0, max(0.0, fraction)))
            self._mouse(bar, QEvent.Type.MouseMove, QPoint(x, y))

        answer = await self._paced(seconds, rate_hz, move)
        self._mouse(bar, QEvent.Type.MouseButtonRelease, QPoint(x, top))
        return answer

    async def do_zoom(self, width: int) -> dict[str, Any]:
        """The thumbnail size slider moved to ``width``."""
        self.window.pages.zoom.setValue(width)
        return {"width": self.window.pages.zoom.value()}

    async def do_settled(self) -> dict[str, Any]:
        """Once scrolling stopped: wait until the pages in sight are drawn; which pages
        were drawn meanwhile."""
        view = self.window.pages.view
        model = self.window.pages.model
        await asyncio.sleep(0.3)

        def in_sight() -> list[int]:
            first, last = view.visible_pages()
            area = view.viewport().rect()
            return [
                page
                for page in range(max(1, first - 2), min(model.rowCount(), last + 2) + 1)
                if view.visualRect(model.index(page - 1)).intersects(area)
            ]

        await _until(lambda: set(in_sight()) <= model.rendered_pages(), timeout=30)
        pages = in_sight()
        return {"visible": [pages[0], pages[-1]], "rendered": len(model.rendered_pages())}

    async def _paced(self, seconds: float, rate_hz: float, act) -> dict[str, Any]:
        self.heartbeat.start()
        started = time.monotonic()
        sent = 0
        while (now := time.monotonic()) - started < seconds:
            due = int((now - started) * rate_hz) + 1
            while sent < due:
                act(sent)
                sent += 1
            await asyncio.sleep(0.004)
        await asyncio.sleep(0.2)  # the last of the queued input handled
        return {"inputs": sent, "heartbeat_max_ms": self.heartbeat.stop()}

    @staticmethod
    def _key(target, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.postEvent(target, QKeyEvent(kind, key, modifiers))

    def _quit(self, window: MainWindow) -> None:
        """Ctrl+Q, or File ▸ Quit where the platform binds no key to Quit (offscreen)."""
        if window.quit_action.shortcut().isEmpty():
            QTimer.singleShot(0, window.quit_action.trigger)
        else:
            self._key(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    @staticmethod
    def _mouse(target, kind: QEvent.Type, at: QPoint) -> None:
        local = QPointF(at)
        buttons = (
            Qt.MouseButton.NoButton
            if kind == QEvent.Type.MouseButtonRelease
            else Qt.MouseButton.LeftButton
        )
        event = QMouseEvent(
            kind,
            local,
            QPointF(target.mapToGlobal(at)),
            Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.postEvent(target, event)

    # -- runs -------------------------------------------------------------------------

    async def do_run(self, processor: str, every: int, started: int = 1) -> dict[str, Any]:
        """Sections of ``every`` pages, the backend chosen, F5; answers once ``started``
        sections have begun."""
        window = await self._active()
        window.sections.every_n(every)
        panel = window.settings_panel
        panel.backend.setCurrentIndex(panel.backend.findData(processor))
        if processor == "gemini":
            from core.warmup import warm

            thread = warm()
            await _until(lambda: thread is None or not thread.is_alive())
        pressed = time.monotonic()
        self._key(window, Qt.Key.Key_F5)
        await _until(lambda: window.bridge.running)

        def running() -> int:
            return sum(1 for row in window.progress if row.state == "running")

        await _until(lambda: running() >= started, timeout=60)
        return {"t0": pressed, "t": time.monotonic(), "sections": len(window.sections)}

    async def do_wait_run(self) -> dict[str, Any]:
        window = self.window
        await _until(lambda: not window.bridge.running, timeout=600)
        outcome = window.run.outcome
        return {"t": time.monotonic(), "done": len(outcome.results) if outcome else 0}

    async def do_esc(self) -> dict[str, Any]:
        """Esc during a run; answers when the window is idle again (Run enabled, nothing
        running)."""
        window = await self._active()
        pressed = time.monotonic()
        self._key(window, Qt.Key.Key_Escape)
        await _until(lambda: not window.bridge.running and window.run_action.isEnabled(), 60, 0.002)
        return {"t0": pressed, "t": time.monotonic()}

    async def do_quit(self) -> dict[str, Any]:
        """Ctrl+Q; the parent times the process's end."""
        window = await self._active()
        pressed = time.monotonic()
        self._quit(window)
        return {"t0": pressed}

    async def do_quit_yes(self) -> dict[str, Any]:
        """Ctrl+Q during a run, then Yes in the question; the parent times the end."""
        window = await self._active()
        self._quit(window)
        guard = window.close_guard
        await _until(lambda: guard.box is not None and guard.box.isVisible())
        box = guard.box
        yes = box.button(QMessageBox.StandardButton.Yes)
        pressed = time.monotonic()
        yes.click()
        return {"t0": pressed}


def sample_path() -> Path:
    return Path(__file__).resolve().parent.parent / "resources" / "sample.pdf"
