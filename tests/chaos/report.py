"""Markdown rows for docs/RELIABILITY.md from a chaos report (scripts/chaos writes it).

Usage: python -m tests.chaos.report .chaos-report.json
"""

import json
import sys
from pathlib import Path
from typing import Any


def _mib(values: dict[str, int]) -> str:
    return "/".join(f"{value / 2**20:.1f}" for value in values.values())


def _rss(values: dict[str, int]) -> str:
    return "/".join(f"{value // 1024}" for value in values.values())


def rows(records: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| scenario | faults | txs acknowledged | lost | divergent heights | recover s "
        "| audit --replay | RSS MiB before -> after | LevelDB MiB before -> after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        audit = "clean" if r["audit_exit"] == 0 else f"exit {r['audit_exit']}"
        name = r["name"].replace("|", "&#124;")  # a split's "1|2" would end the cell
        lines.append(
            f"| {name} | {r['faults']} | {r['acknowledged']} | {r['lost']} "
            f"| {r['divergent']} | {r['recover_s']} | {audit} "
            f"| {_rss(r['rss_kib_before'])} -> {_rss(r['rss_kib_after'])} "
            f"| {_mib(r['leveldb_bytes_before'])} -> {_mib(r['leveldb_bytes_after'])} |"
        )
    return lines


def main(argv: list[str]) -> int:
    records = json.loads(Path(argv[0]).read_text())
    print("\n".join(rows(records)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
