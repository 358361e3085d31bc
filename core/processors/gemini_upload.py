"""An upload to the Files API whose file never goes unrecorded, even when cancelled.

A cancel while an upload is under way may come after its last bytes were sent: the server
then makes the file anyway, under a name the run would never learn, and the closing
sweep, which looks for such a file by its display name, lists the files before it exists
(docs/ARCHITECTURE.md, "Cancel and close"). So a cancelled upload is given a moment to
be answered, and the name it gets goes into the remote-file ledger, whose sweeps delete
it by name. Past that moment the transfer is cut, and the ledger's intent is what the
sweeps look for.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from core.remote_ledger import RemoteLedger

#: how long a cancel waits for an upload under way to be answered; within the window's
#: close bounds
CUT_SHORT_WAIT_S = 0.5


async def upload_recorded(
    client: Any, ledger: RemoteLedger, ledger_id: int, path: Path, config: Any
) -> Any:
    """``client.aio.files.upload`` of ``path`` for the intent ``ledger_id``; its reply,
    whose name is in the ledger by then, also when it is answered only after a cancel."""
    upload = asyncio.ensure_future(client.aio.files.upload(file=path, config=config))
    try:
        remote = await asyncio.shield(upload)
    except asyncio.CancelledError:
        await _settle(upload, ledger, ledger_id)
        raise
    await _record(ledger, ledger_id, remote)
    return remote


async def _settle(upload: asyncio.Future[Any], ledger: RemoteLedger, ledger_id: int) -> None:
    try:
        async with asyncio.timeout(CUT_SHORT_WAIT_S):
            remote = await asyncio.shield(upload)
    except (Exception, asyncio.CancelledError):  # late, failed, or cancelled again
        upload.cancel()
        return
    await _record(ledger, ledger_id, remote)


async def _record(ledger: RemoteLedger, ledger_id: int, remote: Any) -> None:
    if remote.name:
        await asyncio.to_thread(ledger.record_remote, ledger_id, remote.name, remote.uri)
