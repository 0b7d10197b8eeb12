"""What `lantan audit` prints: the text report and its lines, each node's part of the JSON
report, and the progress bar. No I/O but stderr's progress line (client/cli/audit.py runs
the audit)."""

import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from client.audit.chain_audit import AuditReport, ChainAudit, RecordedMisbehaviour
from client.audit.checkpoint import SavedCheckpoint
from client.audit.fetch import FetchFailure, NodeSnapshot
from client.audit.findings import Severity

PROGRESS_INTERVAL_S: Final = 0.2


def snapshot_json(
    snapshot: NodeSnapshot, audit: ChainAudit, stopped: Mapping[str, FetchFailure]
) -> dict[str, object]:
    failure = stopped.get(snapshot.url)
    return {
        "url": snapshot.url,
        "height": snapshot.height,
        "audited_to": audited_to(snapshot, audit, stopped),
        "stopped_at": None if failure is None else failure.height,
        "has_checkpoint": snapshot.checkpoint is not None,
        "diverged_at": audit.diverged.get(snapshot.url),
        "error": snapshot.error,
    }


def audited_to(
    snapshot: NodeSnapshot, audit: ChainAudit, stopped: Mapping[str, FetchFailure]
) -> int | None:
    """The last height checked on the node: its head, or below where it stopped answering
    or served another block (None: nothing of it was audited)."""
    if snapshot.height is None:
        return None
    ends = [snapshot.height, audit.height]
    if snapshot.url in stopped:
        ends.append(stopped[snapshot.url].height - 1)
    if snapshot.url in audit.diverged:
        ends.append(audit.diverged[snapshot.url] - 1)
    return min(ends)


@dataclass(frozen=True, slots=True)
class SavedExtended:
    """The saved checkpoint this audit proved the chain extends: its size and the nodes
    whose consistency proof from it verified (--json `extends_saved`)."""

    size: int
    proven_by: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"size": self.size, "proven_by": list(self.proven_by)}


def extends_saved(
    verified: SavedCheckpoint | None, proven_by: Sequence[str]
) -> SavedExtended | None:
    """None when there was no saved checkpoint, it did not verify, or no node proved it."""
    if verified is None or not proven_by:
        return None
    return SavedExtended(verified.size, tuple(sorted(proven_by)))


def extends_note(extends: SavedExtended | None, *, first: bool) -> list[str]:
    """Whether this audit checked the chain against the last one: the question --state
    answers (was history rewritten since?), said in words, not only by a quiet CLEAN."""
    if first:
        return ["no saved checkpoint yet: this audit starts the record the next one checks"]
    if extends is None:
        return []
    return [
        f"the chain extends the checkpoint of size {extends.size} saved by the last audit "
        f"(consistency proofs from {len(extends.proven_by)} node(s) verified)"
    ]


def saved_note(
    state: Path | None, saved: SavedCheckpoint | None, saved_to: Path | None, report: AuditReport
) -> list[str]:
    """What became of --state: replaced by the newest checkpoint, or left as it was (an
    auditor must know which checkpoint the next audit will check the chain against)."""
    new = report.new_checkpoint
    if state is None:
        return []
    if saved_to is not None and new is not None:
        return [f"saved checkpoint of size {new.size} to {saved_to}"]
    if not report.clean:
        why = "this audit failed"
    elif new is None:
        why = "no node's checkpoint verified"
    elif saved is not None and new.size < saved.size:
        why = f"the nodes' newest checkpoint (size {new.size}) is older"
    else:
        return []  # the save itself failed: run_audit says why
    if saved is None:
        return [f"nothing saved to {state}: {why}"]
    return [
        f"{state} kept as it was (checkpoint of size {saved.size}): {why}, and only a "
        "clean audit replaces it"
    ]


def render_text(
    report: AuditReport,
    snapshots: list[NodeSnapshot],
    audit: ChainAudit,
    stopped: Mapping[str, FetchFailure],
    notes: list[str],
    *,
    replay_asked: bool,
) -> str:
    reachable = [s for s in snapshots if s.error is None]
    whole = [s for s in reachable if s.url not in stopped and s.url not in audit.diverged]
    chain = f"chain {report.chain_id.hex()[:16]}"
    if not reachable:
        lines = [f"{chain}: no node could be audited; nothing was checked"]
    elif report.height == 0:
        lines = [f"{chain}: no block above genesis on {len(whole)} node(s); nothing to audit"]
    else:
        replay = replay_text(report, asked=replay_asked)
        lines = [
            f"{chain}: audited heights 1..{report.height} on {len(whole)} of "
            f"{len(snapshots)} node(s), {report.tx_count} txs, {replay}"
        ]
        lines += [node_line(s, audit, stopped) for s in reachable]
    if report.replay_stopped_at is not None:
        notes = [*notes, f"replay stopped at height {report.replay_stopped_at}"]
    notes = notes + [
        f"{url} was audited to height {failure.height - 1} only: re-run the audit once it "
        "answers again"
        for url, failure in stopped.items()
        if not failure.missing
    ]
    lines += [f"note: {note}" for note in notes]
    if report.misbehaviour:
        lines += misbehaviour_lines(report.misbehaviour)
    for finding in report.findings:
        lines.append(f"{finding.severity.value.upper()} {finding.summary()}")
        if finding.evidence is not None:
            evidence = json.dumps(finding.evidence, ensure_ascii=False, indent=2)
            lines.append("  evidence: " + evidence.replace("\n", "\n  "))
    errors = sum(1 for f in report.findings if f.severity is Severity.ERROR)
    lines.append(
        checked_text(report, len(whole)) if report.clean else (f"FAILED: {errors} finding(s)")
    )
    return "\n".join(lines)


def misbehaviour_lines(items: Sequence[RecordedMisbehaviour]) -> list[str]:
    """The recorded evidence as offences: one line per validator and act, with the items
    that recorded it again. Each honest validator that catches an equivocation makes its
    own item (of its own pair of the offender's votes) and every item is committed, so
    "12 items of evidence" read as twelve offences where nine were (stop 56's hostile
    validator pass)."""
    offences: dict[tuple[bytes, str], list[RecordedMisbehaviour]] = {}
    for item in items:
        offences.setdefault((bytes(item.offender), item.what), []).append(item)
    lines = [
        f"recorded misbehaviour: {len(offences)} offence(s) in {len(items)} item(s) of evidence"
    ]
    for recorded in offences.values():
        line = f"  {recorded[0].summary()}"
        if len(recorded) > 1:
            again = ", ".join(
                f"{r.evidence_hash.hex()[:16]} at height {r.height}" for r in recorded[1:]
            )
            line += f"; recorded again by evidence {again}"
        lines.append(line)
    return lines


def node_line(
    snapshot: NodeSnapshot, audit: ChainAudit, stopped: Mapping[str, FetchFailure]
) -> str:
    """How far one reachable node was audited, and why no further when short of its head."""
    failure = stopped.get(snapshot.url)
    diverged = audit.diverged.get(snapshot.url)
    if failure is not None:
        then = f"block {failure.height} missing" if failure.missing else "unreachable"
        return f"  {snapshot.url}: audited to height {failure.height - 1}, then {then}"
    suffix = "" if diverged is None else f", not followed past height {diverged}"
    return f"  {snapshot.url}: height {snapshot.height}{suffix}"


def replay_text(report: AuditReport, *, asked: bool) -> str:
    if report.replayed:
        because = "--replay" if asked else "switched on to learn the validator sets"
        return f"every tx re-executed ({because})"
    return "txs not re-executed (add --replay to recompute state and results roots)"


def checked_text(report: AuditReport, nodes: int) -> str:
    """What a CLEAN verdict vouches for, so it is never read as more than it is."""
    # One node has no one to agree with: the line must not say it was compared.
    agreement = (
        "the nodes agree; their signed checkpoints verify"
        if nodes > 1
        else "its signed checkpoint verifies (one node: no agreement between nodes to check)"
    )
    checked = (
        f"CLEAN: heights 1..{report.height} on {nodes} node(s) - every commit certificate "
        "(quorum of the validator set, followed from genesis), hash link, history root, "
        f"tx root and tx signature; {agreement}"
    )
    if report.replayed:
        checked += "; every tx re-executed and the results and state roots match"
    return checked


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal and without --json."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._total = max(total, 1)
        self._enabled = enabled
        self._last = 0.0

    def show(self, height: int) -> None:
        now = time.monotonic()
        if not self._enabled or (now - self._last < PROGRESS_INTERVAL_S and height < self._total):
            return
        self._last = now
        filled = 30 * height // self._total
        bar = "#" * filled + "." * (30 - filled)
        sys.stderr.write(f"\raudit [{bar}] height {height}/{self._total}")
        sys.stderr.flush()

    def done(self) -> None:
        if self._enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
