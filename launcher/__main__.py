"""``python -m launcher``: the same as the ``sectionflow`` command."""

from __future__ import annotations

import sys

from launcher import main

if __name__ == "__main__":
    sys.exit(main())
