"""Pre-flight check run by ./run before the window opens.

Without some system libraries Qt's xcb plugin aborts the interpreter with a message few
analysts can act on; this names the missing Debian/Ubuntu packages instead.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

# library soname stem -> Debian package (the set docs/ARCHITECTURE.md, "Qt and qasync",
# verified under Xvfb)
_XCB_LIBS = {
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xinerama": "libxcb-xinerama0",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
}


def missing_packages() -> list[str]:
    return [pkg for lib, pkg in _XCB_LIBS.items() if ctypes.util.find_library(lib) is None]


def check() -> str | None:
    """None when the window can open, else a message saying what to do."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform in ("offscreen", "minimal", "wayland"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return (
            "No display found (DISPLAY is not set). Run SectionFlow from a desktop session, "
            "or use the command line: ./run process FILE.pdf"
        )
    missing = missing_packages()
    if missing and not os.environ.get("WAYLAND_DISPLAY"):
        return (
            "The desktop window needs system libraries that are not installed: "
            + ", ".join(missing)
            + f"\nInstall them with: sudo apt-get install {' '.join(missing)}"
        )
    return None


def main() -> int:
    problem = check()
    if problem:
        print(f"sectionflow: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
