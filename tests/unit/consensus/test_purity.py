"""consensus/ is pure (STYLE.md §2): no clocks, randomness, I/O, floats or true division."""

import ast
import pathlib

BANNED_MODULES = {"time", "random", "os", "socket", "asyncio", "fastapi", "plyvel", "threading"}
ROOT = pathlib.Path(__file__).resolve().parents[3] / "consensus"


def _trees() -> list[tuple[pathlib.Path, ast.Module]]:
    paths = sorted(ROOT.glob("*.py"))
    assert paths, ROOT
    return [(p, ast.parse(p.read_text(), filename=str(p))) for p in paths]


def test_no_banned_imports():
    for path, tree in _trees():
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in BANNED_MODULES, f"{path.name} imports {name}"


def test_no_float_literals_and_no_true_division():
    for path, tree in _trees():
        for node in ast.walk(tree):
            is_float = isinstance(node, ast.Constant) and isinstance(node.value, float)
            assert not is_float, f"{path.name}: float literal {ast.unparse(node)}"
            is_div = isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Div)
            assert not is_div, f"{path.name}: true division in {ast.unparse(node)}"
