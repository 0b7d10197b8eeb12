"""`lantan audit`: verify a whole chain from genesis against every given node.

I/O only: reads the genesis and state files, fetches from the nodes (client/audit/fetch.py),
feeds the pure checker (client/audit/chain_audit.py), prints the report and saves the new
checkpoint.
Exit 0 when clean (warnings allowed), 1 when any finding is an error, 2 on bad arguments.
"""

import argparse
import json
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Final

from client.api import DEFAULT_NODE_URL, NODES_ENV, NodeClient
from client.audit.chain_audit import AuditReport, ChainAudit, ServedBlock
from client.audit.checkpoint import SavedCheckpoint
from client.audit.fetch import (
    FETCH_WORKERS,
    BlockFetch,
    FetchFailure,
    NodeSnapshot,
    fetch_blocks,
    fetch_consistency,
    fetch_validator_sets,
    take_snapshot,
)
from client.audit.findings import FindingCode
from client.cli.audit_ahead import SignaturesAhead, verify_pool
from client.cli.audit_collector import audit_collector
from client.cli.audit_report import (
    Progress,
    extends_note,
    extends_saved,
    render_text,
    saved_note,
    snapshot_json,
)
from client.cli.progress import wanted
from client.cli.support import (
    EXIT_FAILURE,
    EXIT_OK,
    Subparsers,
    add_json_option,
    guarded,
    print_json,
)
from client.errors import AuditFileError, NodeError, UsageError
from client.genesis_file import add_genesis_option
from client.node_pool import node_urls
from genesis.commands import report_failure, terminate_as_interrupt
from genesis.durable import write_durably
from protocol.encoding import decode
from protocol.errors import ProtocolError
from protocol.validators import ValidatorSet

WINDOW_HEIGHTS: Final = 32
"""Heights fetched per round trip window: enough to keep every node busy."""


def register_audit(subparsers: Subparsers) -> None:
    """Add `lantan audit` (entry point `audit = "client.cli.audit:register_audit"`)."""
    parser = subparsers.add_parser(
        "audit",
        help="verify the chain from genesis on every node: certificates, links, forks",
        description=(
            "Follow the validator set from genesis and check every header's certificate, "
            "hash links and history_root on every node; check that the nodes agree and that "
            "each node's latest signed checkpoint extends the one saved by the last audit."
        ),
    )
    parser.add_argument(
        "--nodes",
        "--node",
        dest="nodes",
        metavar="URL[,URL...]",
        help=f"node API base URLs, every one audited (default: ${NODES_ENV}, else "
        f"{DEFAULT_NODE_URL}); --node is the same option, as every other command names it",
    )
    add_genesis_option(parser, required=True, help="the genesis file")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="re-execute every tx and compare every results_root and state_root",
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="the auditor's saved checkpoint: checked, then replaced by the newest one "
        "(only after a clean audit; a failed audit keeps it)",
    )
    add_json_option(parser)
    parser.set_defaults(handler=guarded("audit", run_audit))


def run_audit(args: argparse.Namespace) -> int:
    started = time.monotonic()
    genesis = args.genesis.genesis
    if args.state is not None:
        _check_state_path(args.state)
    saved = None if args.state is None else _read_saved(args.state)
    with ExitStack() as stack:
        # SIGTERM unwinds the stack as Ctrl-C does, so the signature worker process is
        # shut down, not left to the resource tracker (client/cli/audit_ahead.py).
        stack.enter_context(terminate_as_interrupt())
        urls = node_urls(args.nodes, option="--nodes")
        clients = [stack.enter_context(NodeClient(url)) for url in urls]
        executor = stack.enter_context(ThreadPoolExecutor(max_workers=FETCH_WORKERS))
        snapshots = list(executor.map(take_snapshot, clients))
        wrong_chain = _on_other_chains(snapshots, genesis.chain_id.hex(), args.genesis.path)
        snapshots = [
            s.without(wrong_chain[s.url]) if s.url in wrong_chain else s for s in snapshots
        ]
        snapshots, once_notes = _each_node_once(snapshots)
        kept = {s.url for s in snapshots}
        clients = [c for c in clients if c.url in kept]
        replay, sets, notes = _replay_mode(args.replay, clients, snapshots)
        notes = _repeated_urls(args.nodes, urls) + once_notes + notes
        ahead = SignaturesAhead(stack.enter_context(verify_pool())) if replay else None
        audit = ChainAudit(
            genesis,
            replay=replay,
            known_sets=sets,
            replay_verify=None if ahead is None else ahead.verify,
        )
        _report_unreachable(audit, snapshots, wrong_chain)
        stack.enter_context(audit_collector())
        stopped = _audit_blocks(audit, clients, snapshots, executor, ahead, as_json=args.json)
        verified = _audit_checkpoints(audit, clients, snapshots, saved)
    report = audit.report()
    extends = extends_saved(verified, audit.checkpoints.proven_from_saved)
    try:
        saved_to, save_error = _save(args.state, saved, report), None
    except AuditFileError as error:
        # The audit's results are worth more than the file: print them, then say why.
        saved_to, save_error = None, error
    elapsed_ms = int((time.monotonic() - started) * 1000)
    if args.json:
        print_json(
            report.to_json()
            | {
                "nodes": [snapshot_json(s, audit, stopped) for s in snapshots],
                "notes": notes,
                "state_saved": saved_to is not None,
                "extends_saved": None if extends is None else extends.to_json(),
                "state_error": None if save_error is None else str(save_error),
                "elapsed_ms": elapsed_ms,
            }
        )
    else:
        notes += extends_note(extends, first=saved is None and saved_to is not None)
        notes += saved_note(args.state, saved, saved_to, report)
        text = render_text(report, snapshots, audit, stopped, notes, replay_asked=args.replay)
        print(text)
        print(f"({elapsed_ms} ms)")
    if save_error is not None:
        return report_failure("audit", f"could not save the checkpoint: {save_error}")
    return EXIT_OK if report.clean else EXIT_FAILURE


def _check_state_path(path: Path) -> None:
    """Refuse a --state the audit could not save to, before the audit runs (its directory
    missing or not writable, or a directory itself). Raises UsageError."""
    directory = path.parent
    problem = None
    if path.is_dir():
        problem = "is a directory"
    elif not directory.is_dir():
        problem = f"directory {directory} does not exist"
    elif not os.access(directory, os.W_OK | os.X_OK):
        problem = f"directory {directory} is not writable"
    if problem is not None:
        raise UsageError(f"argument --state: {path}: {problem}")


def _read_saved(path: Path) -> SavedCheckpoint | None:
    if not path.exists():
        return None
    try:
        return SavedCheckpoint.from_json(decode(path.read_bytes()))
    except OSError as error:
        raise AuditFileError(str(path), error.strerror or str(error)) from None
    except ProtocolError as error:
        raise AuditFileError(str(path), f"not a saved audit checkpoint: {error}") from None


def _on_other_chains(
    snapshots: list[NodeSnapshot], chain_id: str, genesis_path: Path
) -> dict[str, str]:
    """Why each node that serves another chain than the genesis file's is left out, by URL.

    One line per node instead of a finding for every height that cannot link to genesis.
    """
    return {
        s.url: f"serves chain {s.chain_id[:16]}, but {genesis_path} is chain {chain_id[:16]}: "
        "wrong genesis file, or another network's node"
        for s in snapshots
        if s.error is None and s.chain_id is not None and s.chain_id != chain_id
    }


def _repeated_urls(text: str | None, urls: Sequence[str]) -> list[str]:
    """A note when --nodes named a node more than once (node_urls keeps each URL once,
    a trailing slash removed): it is audited once, not counted as agreeing with itself."""
    given = [] if text is None else [part for part in text.split(",") if part.strip()]
    if len(given) <= len(urls):
        return []
    return [f"--nodes names {len(given)} URLs, {len(urls)} of them distinct: each audited once"]


def _each_node_once(
    snapshots: list[NodeSnapshot],
) -> tuple[list[NodeSnapshot], list[str]]:
    """The snapshots without a URL that answers as a node already listed (the same name
    in /v1/status on the same chain: localhost and 127.0.0.1), and a note for each."""
    first_by_name: dict[tuple[str, str], str] = {}
    kept, notes = [], []
    for snapshot in snapshots:
        if snapshot.error is None and snapshot.name is not None and snapshot.chain_id:
            key = (snapshot.chain_id, snapshot.name)
            if key in first_by_name:
                notes.append(
                    f"{snapshot.url} answers as node {snapshot.name}, as "
                    f"{first_by_name[key]} does: audited once"
                )
                continue
            first_by_name[key] = snapshot.url
        kept.append(snapshot)
    return kept, notes


def _replay_mode(
    asked: bool, clients: list[NodeClient], snapshots: list[NodeSnapshot]
) -> tuple[bool, list[ValidatorSet], list[str]]:
    """Whether to replay, the validator-set preimages the nodes list, and why."""
    if asked or all(s.error is not None for s in snapshots):
        return asked, [], []
    served = [_validator_sets_of(c, s) for c, s in zip(clients, snapshots, strict=True)]
    if all(sets is None for sets in served):
        # Without the set preimages a set change could not be followed; replay derives
        # them from the executed state (DESIGN.md §4: never skip a set change).
        return (
            True,
            [],
            [
                "no node serves /v1/validator-sets (an older node, or not a Lantan node): every "
                "tx is re-executed to learn the validator sets"
            ],
        )
    return False, [s for sets in served for s in sets or []], []


def _validator_sets_of(client: NodeClient, snapshot: NodeSnapshot) -> list[ValidatorSet] | None:
    if snapshot.error is not None:
        return None
    try:
        return fetch_validator_sets(client)
    except NodeError:
        return None


def _report_unreachable(
    audit: ChainAudit, snapshots: list[NodeSnapshot], wrong_chain: dict[str, str]
) -> None:
    for snapshot in snapshots:
        if snapshot.error is not None:
            if snapshot.url in wrong_chain:
                code = FindingCode.WRONG_CHAIN
            elif snapshot.not_a_node:
                code = FindingCode.NOT_A_NODE
            else:
                code = FindingCode.NODE_UNREACHABLE
            audit.add_finding(code, None, [snapshot.url], snapshot.error)


def _audit_blocks(
    audit: ChainAudit,
    clients: list[NodeClient],
    snapshots: list[NodeSnapshot],
    executor: ThreadPoolExecutor,
    signatures: SignaturesAhead | None,
    *,
    as_json: bool,
) -> dict[str, FetchFailure]:
    """Feed every height to the checker, WINDOW_HEIGHTS at a time, until no node has more:
    the next window is fetched while this one is checked, and with replay each block's
    signatures are verified in a worker process a few heights ahead of its execution.
    Returns the nodes that stopped answering, with the failure that stopped each."""
    heights = {s.url: s.height for s in snapshots if s.height is not None}
    top = max(heights.values(), default=0)
    progress = Progress(top, enabled=wanted(as_json=as_json))
    stopped: dict[str, FetchFailure] = {}
    # Made one at a time: a node's status may claim any height (10**15), and the audit
    # must hold no more than the two windows in flight whatever it claims.
    windows = _windows(top)

    def fetch(window: range | None) -> BlockFetch | None:
        if window is None:
            return None
        asked = [
            c
            for c in clients
            if heights.get(c.url, 0) >= window.start
            and audit.follows(c.url)
            and c.url not in stopped
        ]
        return fetch_blocks(asked, window, executor)

    window = next(windows, None)
    pending = fetch(window)
    try:
        while window is not None and pending is not None:
            answers, checking = pending.answers(), window
            window = next(windows, None)
            pending = fetch(window)
            checked = _check_window(
                audit,
                checking,
                answers,
                heights=heights,
                stopped=stopped,
                signatures=signatures,
                progress=progress,
            )
            if not checked:
                break
    finally:
        progress.done()
        if pending is not None:
            pending.cancel()
    return stopped


def _windows(top: int) -> Iterator[range]:
    """Heights 1..top in windows of WINDOW_HEIGHTS, made as they are asked for."""
    for first in range(1, top + 1, WINDOW_HEIGHTS):
        yield range(first, min(first + WINDOW_HEIGHTS, top + 1))


def _check_window(
    audit: ChainAudit,
    window: range,
    answers: dict[tuple[str, int], ServedBlock | FetchFailure],
    *,
    heights: dict[str, int],
    stopped: dict[str, FetchFailure],
    signatures: SignaturesAhead | None,
    progress: "Progress",
) -> bool:
    """Feed the heights of one window's answers to the checker; False once the audit can
    go no further (no node served the next height, or the chain cannot be followed)."""
    for height in window:
        served = _served_at(audit, height, heights, answers, stopped)
        if not served:
            return False
        if signatures is not None:
            signatures.wait(height, answers, audit.parse_ahead)
        audit.add_height(served)
        progress.show(height)
        if audit.halted is not None:
            return False
    return True


def _served_at(
    audit: ChainAudit,
    height: int,
    heights: dict[str, int],
    answers: dict[tuple[str, int], ServedBlock | FetchFailure],
    stopped: dict[str, FetchFailure],
) -> list[ServedBlock]:
    served = []
    for url, head in heights.items():
        answer = answers.get((url, height))
        if answer is None or head < height or url in stopped or not audit.follows(url):
            continue
        if isinstance(answer, FetchFailure):
            stopped[url] = answer
            code = FindingCode.BLOCK_MISSING if answer.missing else FindingCode.NODE_UNREACHABLE
            audit.add_finding(code, height, [url], answer.detail)
            continue
        served.append(answer)
    return served


def _audit_checkpoints(
    audit: ChainAudit,
    clients: list[NodeClient],
    snapshots: list[NodeSnapshot],
    saved: SavedCheckpoint | None,
) -> SavedCheckpoint | None:
    """Check each node's checkpoint, then the saved one and the nodes' consistency proofs
    from it; returns the saved checkpoint when it verified."""
    reachable = [s for s in snapshots if s.error is None]
    audit.checkpoints.check_nodes({s.url: s.checkpoint for s in reachable})
    if saved is None:
        return None
    heights = {s.url: s.height for s in reachable if s.height is not None}
    verified = audit.checkpoints.check_saved(saved, heights)
    if verified is None:
        return None  # its finding says why; an invalid checkpoint proves nothing against a node
    by_url = {client.url: client for client in clients}
    for url, first, second in audit.checkpoints.consistency_requests(verified):
        proof = fetch_consistency(by_url[url], first, second)
        audit.checkpoints.check_consistency(url, verified, proof)
    return verified


def _save(path: Path | None, saved: SavedCheckpoint | None, report: AuditReport) -> Path | None:
    """Replace the state file with the newest verified checkpoint, only after a clean audit
    and never with a smaller one."""
    new = report.new_checkpoint
    if path is None or new is None or (saved is not None and new.size < saved.size):
        return None
    text = json.dumps(new.to_json(), ensure_ascii=False, indent=2) + "\n"
    try:
        write_durably(path, text.encode("utf-8"), overwrite=True, mode=None)
    except OSError as error:
        raise AuditFileError(str(path), error.strerror or str(error)) from None
    return path
