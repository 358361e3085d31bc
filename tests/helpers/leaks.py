"""What a run left on the fake Gemini that nothing will ever delete: a leak.

Re-asks are cheaper by default (KEEP_UPLOADS_HOURS, README "Cheaper re-asks"): a run
leaves its uploaded sections on Gemini on purpose, each recorded in the remote-file
ledger with the time it is kept until, so a later question about the same document
uploads nothing. Such a file is not a leak: the ledger deletes it when its time is up,
and ``forget`` deletes it at once. A file on the server that the ledger does not keep is
a leak. Tests check both halves: :func:`leaked` is empty after a run, and
:func:`forget_kept` leaves the server with no file at all.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.engine import Engine
from core.remote_ledger import RemoteLedger
from core.settings import Settings
from tests.fakes.gemini import FakeGemini

LEDGER_FILE = "remote-files.sqlite3"


def _ledger(where: RemoteLedger | Path) -> RemoteLedger:
    """A ledger, or the data folder (SECTIONFLOW_DATA_DIR) holding one."""
    if isinstance(where, RemoteLedger):
        return where
    return RemoteLedger(where / LEDGER_FILE if where.is_dir() or not where.suffix else where)


def leaked(fake: FakeGemini, where: RemoteLedger | Path) -> list[str]:
    """Files on the fake that the ledger does not keep for re-asks (names, sorted)."""
    kept = {e.remote_name for e in _ledger(where).entries() if e.kept and e.remote_name}
    return sorted(f.name for f in fake.stored_files() if f.name not in kept)


async def forget_kept(settings: Settings, where: RemoteLedger | Path) -> int:
    """``sectionflow forget``'s deletion of kept uploads, in process: how many there were."""
    with Engine(ledger_path=_ledger(where).path) as engine:
        return await engine.forget_kept_uploads(settings)


async def assert_nothing_leaked(
    fake: FakeGemini, where: RemoteLedger | Path, settings: Settings
) -> None:
    """Every file a run left on the fake is kept for re-asks by the ledger, and
    forgetting them leaves neither a file on the server nor an entry in the ledger."""
    assert leaked(fake, where) == []
    await forget_kept(settings, where)
    assert fake.stored_files() == []
    assert _ledger(where).entries() == []


def assert_nothing_leaked_blocking(
    fake: FakeGemini, where: RemoteLedger | Path, settings: Settings
) -> None:
    """:func:`assert_nothing_leaked` where no event loop can be awaited (the test's own
    loop has stopped, as when the app's window closes): on a thread of its own."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, assert_nothing_leaked(fake, where, settings)).result()
