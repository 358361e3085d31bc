"""Cheaper re-asks: keep uploaded sections for a while and use them again.

With KEEP_UPLOADS_HOURS above 0, a section's uploaded PDF is not deleted when its run
ends: the remote-file ledger keeps its entry with the PDF's sha256 and a keeping time
(:meth:`core.remote_ledger.RemoteLedger.keep`). Another run that sends a PDF with the
same bytes to the same endpoint within that time (another prompt, another model, a retry)
finds it there and skips the upload and the wait for ACTIVE. Only the Gemini API has the
Files API, so Vertex never keeps anything. The ledger still holds every kept file:
after its keeping time any run's sweep deletes it, and ``sectionflow forget`` ends the
keeping at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from core.processors.gemini_errors import is_gone

if TYPE_CHECKING:
    from core.processors.gemini_piece import Piece
    from core.remote_ledger import RemoteLedger

log = logging.getLogger("sectionflow.gemini")


class UploadReuse:
    """One run's use of kept uploads (a no-op when keeping is off)."""

    def __init__(self, ledger: RemoteLedger, scope: str, hours: float) -> None:
        self.ledger = ledger
        self.scope = scope
        self.hours = hours
        self.reused = 0

    @property
    def enabled(self) -> bool:
        return self.hours > 0

    async def take(self, client: Any, piece: Piece) -> bool:
        """Point ``piece`` at a kept upload of the same bytes, if one is still ACTIVE on
        Gemini; True when it was, so nothing needs uploading."""
        if not self.enabled or not piece.sha256:
            return False
        entry = await asyncio.to_thread(self.ledger.find_kept, piece.sha256, self.scope)
        if entry is None or entry.remote_name is None:
            return False
        try:
            remote = await client.aio.files.get(name=entry.remote_name)
        except Exception as exc:
            if is_gone(exc):  # expired or deleted elsewhere: forget it, upload again
                await asyncio.to_thread(self.ledger.strike, entry.id)
            return False
        if str(getattr(remote.state, "value", remote.state) or "").upper() != "ACTIVE":
            return False
        piece.remote_name, piece.uri = entry.remote_name, remote.uri or entry.uri
        piece.ledger_id, piece.display_name, piece.reused = entry.id, entry.display_name, True
        piece.active = True
        await asyncio.to_thread(self.ledger.keep, entry.id, self.hours)  # in use again
        self.reused += 1
        log.debug("Reusing the kept upload %s for '%s'", entry.remote_name, piece.path.name)
        return True

    async def keep(self, piece: Piece) -> bool:
        """Keep ``piece``'s upload for later runs instead of deleting it; True when kept."""
        if not self.enabled or piece.ledger_id is None or not piece.sha256:
            return False
        await asyncio.to_thread(self.ledger.keep, piece.ledger_id, self.hours)
        return True
