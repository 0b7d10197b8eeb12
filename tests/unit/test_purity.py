"""The pure packages stay pure (DESIGN.md §1, STYLE.md §2): checked on their syntax trees.

protocol/, contracts/ and consensus/ may not import time, randomness, the OS, the network,
asyncio or the server libraries, and may not hold a float literal or a true division:
amounts are integer kilograms and every node must compute the same bits.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("protocol", "contracts", "consensus")
BANNED_MODULES = {
    "time",
    "random",
    "os",
    "socket",
    "asyncio",
    "fastapi",
    "plyvel",
    "secrets",
    "datetime",
    "threading",
    "subprocess",
    "uvicorn",
    "httpx",
}


def pure_sources() -> list[Path]:
    return sorted(p for package in PURE_PACKAGES for p in (ROOT / package).rglob("*.py"))


def impurities(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        found += [f"import {n}" for n in names if n.split(".")[0] in BANNED_MODULES]
        if isinstance(node, ast.Constant) and isinstance(node.value, float | complex):
            found.append(f"float literal {node.value!r} at line {node.lineno}")
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div):
            found.append(f"true division at line {node.lineno}")
    return found


def test_pure_packages_exist() -> None:
    assert len(pure_sources()) >= len(PURE_PACKAGES)


@pytest.mark.parametrize("path", pure_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_pure(path: Path) -> None:
    assert impurities(ast.parse(path.read_text(), str(path))) == []


@pytest.mark.parametrize(
    "source",
    ["import time", "from os import path", "x = 1.5", "y = a / b", "z /= 2", "import plyvel.x"],
)
def test_checker_catches_each_impurity(source: str) -> None:
    assert impurities(ast.parse(source)) != []
