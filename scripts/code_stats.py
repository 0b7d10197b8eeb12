#!/usr/bin/env python3
"""Size of the code: file lengths and function lengths (issue 12's yardsticks).

Counts every tracked .py file of the production packages (protocol, consensus, contracts,
genesis, client, node) and, separately, of tests/ and scripts/: the median and largest file
in lines, and the p50/p90/max function length (a def's first line to its last, nested defs
counted in their own right). Usage: .venv/bin/python scripts/code_stats.py [--json]
"""

import ast
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("protocol", "consensus", "contracts", "genesis", "client", "node")
GROUPS = {"production": PRODUCTION, "tests": ("tests",), "scripts": ("scripts",)}


def tracked(prefixes: tuple[str, ...]) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *prefixes],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed if name.endswith(".py") and (ROOT / name).exists()]


def function_lengths(tree: ast.AST) -> list[int]:
    return [
        (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def percentile(values: list[int], fraction: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0


def stats(files: list[Path]) -> dict[str, object]:
    lines = {str(f.relative_to(ROOT)): len(f.read_text().splitlines()) for f in files}
    functions: list[int] = []
    for f in files:
        functions += function_lengths(ast.parse(f.read_text()))
    largest = sorted(lines.items(), key=lambda item: -item[1])[:5]
    return {
        "files": len(lines),
        "file_lines_median": statistics.median(lines.values()) if lines else 0,
        "largest_files": largest,
        "functions": len(functions),
        "function_lines_p50": percentile(functions, 0.5),
        "function_lines_p90": percentile(functions, 0.9),
        "function_lines_max": max(functions, default=0),
    }


def main() -> int:
    report = {name: stats(tracked(prefixes)) for name, prefixes in GROUPS.items()}
    if "--json" in sys.argv:
        print(json.dumps(report, indent=2))
        return 0
    for name, figures in report.items():
        print(
            f"{name}: {figures['files']} files, median {figures['file_lines_median']} lines; "
            f"{figures['functions']} functions, p50 {figures['function_lines_p50']}, "
            f"p90 {figures['function_lines_p90']}, max {figures['function_lines_max']}"
        )
        for path, count in figures["largest_files"]:  # type: ignore[attr-defined]
            print(f"    {count:5d}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
