"""Esc and closing never wait on a clean-up that takes long: the window is idle again
(or gone) at once, the unfinished sections say they were cancelled, and the clean-up
still ends in the background with nothing left behind."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import psutil
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.app import finish_tasks
from tests.gui.conftest import wait_signal, wait_until, window_over
from tests.helpers.processors import InstrumentedProcessor


@dataclass
class SlowCleanup(InstrumentedProcessor):
    """Analyses wait until released; deleting a remote file waits for ``gate`` (a
    network call or a busy worker that will not hurry)."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def cleanup(self, handle) -> None:
        await self.gate.wait()
        await super().cleanup(handle)


async def started(make_window, pdf_factory) -> tuple:
    processor = SlowCleanup(uses_upload=True, analyze_s=0.0)
    processor.release = asyncio.Event()
    window = await window_over(make_window, processor, pdf_factory(pages=12), every=2, at_once=2)
    window.run_action.trigger()  # F5
    await wait_until(lambda: processor.analyses.now > 0)
    return window, processor


async def test_esc_frees_the_window_while_the_clean_up_goes_on(make_window, pdf_factory) -> None:
    window, processor = await started(make_window, pdf_factory)
    let_go = asyncio.ensure_future(wait_signal(window.bridge.let_go, timeout=30))
    window.cancel_action.trigger()  # Esc
    await let_go
    assert not window.bridge.running and window.run_action.isEnabled()
    assert not window.cancel_action.isEnabled()
    states = [row.state for row in window.progress]
    assert states == ["cancelled"] * 6
    assert window.bridge.cleaning  # the uploads are still being deleted
    processor.gate.set()
    await wait_until(lambda: not window.bridge.cleaning, timeout=30)
    uploaded = {f"files/{section.id}" for section in window.sections}
    assert set(processor.cleaned) <= uploaded and processor.cleaned  # deleted, once each
    assert len(processor.cleaned) == len(set(processor.cleaned))


async def test_a_new_run_ignores_the_late_events_of_one_let_go(make_window, pdf_factory) -> None:
    window, processor = await started(make_window, pdf_factory)
    let_go = asyncio.ensure_future(wait_signal(window.bridge.let_go, timeout=30))
    window.cancel_action.trigger()
    await let_go
    processor.release.set()
    window.run_action.trigger()  # again, while the first still cleans up
    await wait_until(lambda: window.bridge.running)
    processor.gate.set()  # the first run's late events arrive now, then the second's
    await wait_until(lambda: not window.bridge.running, timeout=30)
    assert [row.state for row in window.progress] == ["done"] * 6


async def test_closing_mid_run_does_not_wait_and_leaves_no_process(
    make_window, pdf_factory
) -> None:
    # the loop outlives the window, as in gui.app (tests/gui/conftest.py sees to it)
    assert not QApplication.instance().quitOnLastWindowClosed()
    await _close_mid_run(make_window, pdf_factory)


async def _close_mid_run(make_window, pdf_factory) -> None:
    window, processor = await started(make_window, pdf_factory)
    workers = list(window.engine.workers.pids())
    assert workers
    window.quit_action.trigger()  # Ctrl+Q
    box = window.close_guard.box
    assert box is not None and box.isVisible()
    box.button(QMessageBox.StandardButton.Yes).click()
    await wait_until(lambda: not window.isVisible(), timeout=30)
    assert window.bridge.cleaning  # closed without waiting for the deletes
    assert not await finish_tasks(window, bound_s=0.0)  # they still go on
    processor.gate.set()
    assert await finish_tasks(window, bound_s=30.0)
    assert processor.cleaned
    alive = [psutil.Process(pid) for pid in workers if psutil.pid_exists(pid)]
    _, left = psutil.wait_procs(alive, timeout=10)
    assert not left  # no worker process is left behind
