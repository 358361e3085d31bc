"""``python -m launcher``: the same as the ``sectionflow`` command."""

from __future__ import annotations

import sys

from launcher import console

if __name__ == "__main__":
    sys.exit(console())
