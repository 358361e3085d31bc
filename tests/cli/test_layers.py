"""The engine stays below its front ends: nothing in core/ imports the command line, the
window, the launcher, argparse or rich, not even inside a function or through importlib.

import-linter checks the same in ./test; this test also sees imports by name
(``importlib.import_module("gui.app")``, the way core/ once reached the window), which an
import graph cannot.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("cli", "gui", "launcher", "argparse", "rich")
BY_NAME = ("import_module", "__import__")


def imported_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) for every import statement anywhere in ``tree``, and for every
    import by a constant name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and _called_name(node.func) in BY_NAME and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, first.value


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def is_forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def test_core_imports_no_front_end_argparse_or_rich() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "core").rglob("*.py"))
        for line, module in imported_names(ast.parse(path.read_text(encoding="utf-8")))
        if is_forbidden(module)
    ]
    assert found == []


def test_the_check_sees_imports_inside_functions_and_by_name() -> None:
    source = (
        "import os\n"
        "def late():\n"
        "    import argparse\n"
        "    from rich.console import Console\n"
        "    importlib.import_module('gui.app')\n"
        "    from cli.common import PROG\n"
    )
    modules = [module for _, module in sorted(imported_names(ast.parse(source)))]
    assert [m for m in modules if is_forbidden(m)] == [
        "argparse",
        "rich.console",
        "gui.app",
        "cli.common",
    ]
