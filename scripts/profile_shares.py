"""Where a validator's CPU went: shares of a py-spy raw profile (scripts/profile_bench.py
--format raw), by the first matching kind of work on each sampled stack.

    python scripts/profile_shares.py before.txt [after.txt] [--anywhere FRAME ...]

Samples while the process imported its modules (startup), and samples of waiting threads,
are left out of the total. A
stack counts once, for the first rule (in the order below) one of its frames matches, so
the shares add up to 100 %; "anywhere" lines count every stack holding the frame (they
overlap the others), to show a cost spread over several kinds of work.
"""

import argparse
from pathlib import Path

RULES = (
    ("tx admission (parse, signature, nonce)", ("_admit_all",)),
    (
        "block build / validate / commit (worker)",
        ("Ledger.build", "Ledger.validate", "commit_certified", "BlockActions.commit_block"),
    ),
    ("consensus step (worker)", ("engine.py",)),
    ("peer receive (envelope, body decode)", ("PeerInbox.", "_open_and_parse")),
    ("mempool entry and gossip (event loop)", ("NodeService.submit", "NodeService._submit")),
    ("peer send (httpx posts)", ("PeerTransport._deliver",)),
    ("signer state and payload files", ("SignerStateFile.",)),
    ("tx status polls and other HTTP", ("starlette", "uvicorn", "fastapi", "h11")),
)
IDLE_LEAVES = (
    "EpollSelector.select",
    "Runner.run (asyncio/runners.py",
    "_worker (concurrent/futures/thread.py",
    "Condition.wait",
)
"""Leaf frames of threads that wait (the loop's select, an idle pool thread): without
pausing the process (--nonblocking), py-spy sometimes counts them as running. Under uvloop
(stop 36) the event loop waits in C below `Runner.run`, with no Python frame of its own:
~20 % of a validator's samples at 20,000 txs, which this script counted as "other HTTP"
until 2026-12-05. A --gil profile of the same run puts uvloop's own CPU (that leaf while
holding the GIL) at ~1.6 %, so leaving the leaf out loses little."""
ANYWHERE = (
    ("canonical JSON encode/decode (protocol/encoding.py)", "protocol/encoding.py"),
    ("Ed25519 verify", "crypto_sign_open"),
    ("LevelDB reads (find_tx, state records)", "node/storage/"),
)


def shares(
    path: Path, anywhere_marks: tuple[tuple[str, str], ...] = ANYWHERE
) -> tuple[int, dict[str, int], dict[str, int]]:
    kinds: dict[str, int] = {}
    anywhere: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or "_find_and_load" in stack:
            continue
        if stack.rsplit(";", 1)[-1].startswith(IDLE_LEAVES):
            continue
        count = int(count_text)
        total += count
        kind = next((name for name, marks in RULES if any(m in stack for m in marks)), "other")
        kinds[kind] = kinds.get(kind, 0) + count
        for name, mark in anywhere_marks:
            if mark in stack:
                anywhere[name] = anywhere.get(name, 0) + count
    return total, kinds, anywhere


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument(
        "--anywhere",
        action="append",
        default=[],
        metavar="FRAME",
        help="count stacks holding FRAME instead of the default 'anywhere' lines "
        "(repeatable; for the audit and catch-up profiles of scripts/bench_chain.py)",
    )
    args = parser.parse_args()
    marks = tuple((mark, mark) for mark in args.anywhere) or ANYWHERE
    for path in args.profiles:
        total, kinds, anywhere = shares(path, marks)
        print(f"{path}: {total} samples (startup imports and waiting threads left out)")
        for kind, count in sorted(kinds.items(), key=lambda item: -item[1]):
            print(f"  {100 * count / total:5.1f} %  {kind}")
        for kind, count in anywhere.items():
            print(f"  {100 * count / total:5.1f} %  anywhere: {kind}")


if __name__ == "__main__":
    main()
