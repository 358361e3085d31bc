"""Render the app icon (resources/icons/app.svg) to the raster files a bundle needs.

Run at build time by the spec, so the SVG stays the one source: a 256 px PNG for the
Linux .desktop entry and the window managers, and, with Qt's own image plugins (no
Pillow), an .ico for Windows and an .icns for macOS.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "app.svg"


def render(out_dir: Path, size: int = 256) -> dict[str, Path]:
    """Write sectionflow.png/.ico/.icns into out_dir; returns the files written by kind."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for kind in ("png", "ico", "icns"):
        path = out_dir / f"sectionflow.{kind}"
        if image.save(str(path), kind.upper()):
            written[kind] = path
    if "png" not in written:
        raise RuntimeError(f"could not render {SVG} to PNG")
    return written


if __name__ == "__main__":
    for kind, path in render(Path(sys.argv[1] if len(sys.argv) > 1 else "build/icon")).items():
        print(kind, path)
