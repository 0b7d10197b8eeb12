"""No import circle in the first-party packages: checked on their syntax trees.

Every import counts, including those under `if TYPE_CHECKING:` and inside functions: a
circle hidden there is still a circle in the design (client/audit.py and audit_history.py
had one until the checkpoint checks read the audit through audit/audited_chain.py).
import-linter checks the layers between packages; this checks every module pair.
"""

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("protocol", "contracts", "consensus", "genesis", "client", "node")

Graph = Mapping[str, frozenset[str]]


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, ...]]:
    """Per import, the names it may mean, most specific first: `from X import Y` is X.Y or X.

    A package's __init__ runs before its submodules but is not counted as imported by
    them (Python allows `from pkg import sub` in a module pkg/__init__ imports).
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name,) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield from ((f"{base}.{alias.name}", base) for alias in node.names)


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> Graph:
    """Module -> the first-party modules it imports (names that are no module are dropped)."""
    paths = {
        module_name(p, root): p for package in packages for p in (root / package).rglob("*.py")
    }
    graph = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        meanings = imported_names(tree, module, path.name == "__init__.py")
        found = (next((n for n in names if n in paths), None) for names in meanings)
        graph[module] = frozenset(n for n in found if n is not None and n != module)
    return graph


def circles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component: list[str] = []
            while not component or component[-1] != module:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def test_the_graph_sees_imports_of_every_kind() -> None:
    graph = import_graph()
    assert "client.audit.history" in graph["client.audit.chain_audit"]  # from X import Y
    assert "client.audit.audited_chain" in graph["client.audit.history"]
    assert "protocol.encoding" in graph["protocol.codec"]
    assert len(graph) > 200


def test_the_check_finds_a_circle_and_its_members() -> None:
    graph = {
        "a": frozenset({"b"}),
        "b": frozenset({"c"}),
        "c": frozenset({"a", "d"}),
        "d": frozenset(),
        "e": frozenset({"e"}),
    }
    assert circles(graph) == [["a", "b", "c"]]


def test_type_checking_and_function_imports_count(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "one.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.two import X\n"
    )
    (tmp_path / "pkg" / "two.py").write_text("def f():\n    from . import one\n")
    assert circles(import_graph(tmp_path, ("pkg",))) == [["pkg.one", "pkg.two"]]


def test_no_import_circle_in_the_first_party_packages() -> None:
    assert circles(import_graph()) == []
