"""The auditor's chain checker (docs/PROTOCOL.md §11, DESIGN.md §3-§4). Pure: no I/O.

Feed it, height by height from 1, what every node served (ServedBlock). It follows the
validator set from genesis without skipping a change, recomputes the history log, checks
each node's certificate, compares the nodes' blocks and, with replay, re-executes every
block. Then feed it each node's latest checkpoint and the saved one; report() says what
was found. A node that serves another block than the audited chain at height h is not
followed past h: the finding at h (a fork, a bad certificate) is the point.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from client.audit.block import (
    Problem,
    body_problems,
    header_problems,
    replay_block,
    replay_codes,
    served_results_problem,
)
from client.audit.certificate import check_served_certificate
from client.audit.checkpoint import SavedCheckpoint
from client.audit.findings import Finding, FindingCode, has_errors
from client.audit.fork import double_signers, signed_both
from client.audit.history import CheckpointBook
from client.audit.replay import Execution, ReplayState
from genesis.document import Genesis
from protocol.block import Block
from protocol.block_check import BlockParent
from protocol.encoding import JsonObject, JsonValue
from protocol.errors import ProtocolError
from protocol.evidence import DuplicateVoteEvidence, Evidence
from protocol.hashing import Hash32
from protocol.lock_violation import LockViolationEvidence
from protocol.log import MemoryLogStore, MerkleLog
from protocol.signature_cache import SignatureCache
from protocol.signing import PublicKey, VerifySignature
from protocol.validators import ValidatorSet


@dataclass(frozen=True, slots=True, kw_only=True)
class ServedBlock:
    """One node's answer to GET /v1/blocks/{h}, still raw JSON."""

    node: str
    block: JsonValue
    certificate: JsonValue
    results: JsonValue


@dataclass
class _Candidate:
    """One distinct block served for a height, and who served it with which certificate."""

    block: Block
    block_hash: Hash32
    raw: JsonValue
    """The JSON the first node served; equal JSON from another node is the same block."""
    nodes: list[str] = field(default_factory=list)
    certificates: dict[str, JsonValue] = field(default_factory=dict)
    """Raw certificates that verified, by node."""
    problems: list[Problem] = field(default_factory=list)
    execution: Execution | None = None

    @property
    def certified(self) -> bool:
        return bool(self.certificates)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedMisbehaviour:
    """Evidence a committed block recorded: which validator did what, and where."""

    height: int
    evidence_hash: Hash32
    offender: PublicKey
    offender_name: str | None
    """The validator's name in the set at that height (None: not found there)."""
    what: str

    def to_json(self) -> JsonObject:
        return {
            "height": self.height,
            "evidence_hash": self.evidence_hash.hex(),
            "offender": self.offender.hex(),
            "offender_name": self.offender_name,
            "what": self.what,
        }

    def summary(self) -> str:
        who = self.offender_name or self.offender.hex()[:16]
        return (
            f"height {self.height}: evidence {self.evidence_hash.hex()[:16]} - {who} "
            f"({self.offender.hex()[:16]}) {self.what}"
        )


def recorded_misbehaviour(
    height: int, evidence: Evidence, validators: ValidatorSet
) -> RecordedMisbehaviour:
    """What one item of a block's evidence list says, for a human."""
    if isinstance(evidence, DuplicateVoteEvidence):
        vote = evidence.vote_a.vote
        what = (
            f"signed two {vote.type.value}s at height {vote.height} round {vote.round} "
            "for different blocks"
        )
    elif isinstance(evidence, LockViolationEvidence):
        lock, later = evidence.precommit.vote, evidence.prevote.vote
        what = (
            f"broke its lock at height {lock.height}: precommitted a block in round "
            f"{lock.round}, prevoted another in round {later.round} with no POL in between"
        )
    else:
        what = f"signed two checkpoint roots for log size {evidence.size}"
    validator = validators.by_key(evidence.offender)
    return RecordedMisbehaviour(
        height=height,
        evidence_hash=evidence.hash(),
        offender=evidence.offender,
        offender_name=None if validator is None else validator.name,
        what=what,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    chain_id: Hash32
    height: int
    """The last height of the audited chain."""
    replayed: bool
    replay_stopped_at: int | None
    tx_count: int
    findings: tuple[Finding, ...]
    diverged: Mapping[str, int]
    """Nodes not followed past a height, by URL."""
    new_checkpoint: SavedCheckpoint | None
    """The checkpoint to save: the newest verified one, only when the audit is clean."""
    misbehaviour: tuple[RecordedMisbehaviour, ...] = ()
    """Evidence recorded on the chain: validators the chain itself holds to account."""

    @property
    def clean(self) -> bool:
        return not has_errors(list(self.findings))

    def to_json(self) -> JsonObject:
        return {
            "clean": self.clean,
            "chain_id": self.chain_id.hex(),
            "height": self.height,
            "replayed": self.replayed,
            "replay_stopped_at": self.replay_stopped_at,
            "tx_count": self.tx_count,
            "diverged": dict(self.diverged),
            "findings": [f.to_json() for f in self.findings],
            "misbehaviour": [m.to_json() for m in self.misbehaviour],
            "new_checkpoint": None
            if self.new_checkpoint is None
            else self.new_checkpoint.to_json(),
        }


class ChainAudit:
    """The chain as the auditor has verified it so far, and every finding on the way."""

    def __init__(
        self,
        genesis: Genesis,
        *,
        replay: bool,
        known_sets: Iterable[ValidatorSet] = (),
        signatures: SignatureCache | None = None,
        replay_verify: VerifySignature | None = None,
    ) -> None:
        """signatures: the cache that certificate checks (and replay, by default) verify
        through. replay_verify: the port replay checks tx signatures with instead; a caller
        that verifies them ahead elsewhere passes its own (`lantan audit`'s worker process).
        A replay asks about each tx signature once, so caching them would only hold them
        (up to the cache's bound, 60,000 entries)."""
        first = genesis.document.validators
        self.chain_id = genesis.chain_id
        self.findings: list[Finding] = []
        self.diverged: dict[str, int] = {}
        self.halted: str | None = None
        """Why the chain cannot be followed further (an unknown validator set)."""
        self.replay_stopped_at: int | None = None
        self._known_sets = {s.hash(): s for s in (first, *known_sets)}
        self._set_changes: list[tuple[int, ValidatorSet]] = [(0, first)]
        self._log = MerkleLog(MemoryLogStore())
        self._log.append(genesis.header.canonical_bytes())
        self._head = genesis.header
        self._cache = SignatureCache() if signatures is None else signatures
        verify = self._cache.verify if replay_verify is None else replay_verify
        self._replay = ReplayState(genesis, verify=verify) if replay else None
        self._replayed = replay
        self._tx_count = 0
        self._misbehaviour: list[RecordedMisbehaviour] = []
        self._parsed_ahead: dict[int, tuple[JsonValue, Block]] = {}
        self.checkpoints = CheckpointBook(self)

    # --- the chain so far --------------------------------------------------------------

    @property
    def height(self) -> int:
        return self._head.height

    def follows(self, node: str) -> bool:
        return node not in self.diverged

    def history_root(self, size: int) -> Hash32:
        """Root over headers 0 .. size-1 of the audited chain. Requires size <= height + 1."""
        return self._log.root(size)

    def validators_at(self, height: int) -> ValidatorSet:
        """The set that certifies block `height` of the audited chain."""
        return [s for first, s in self._set_changes if first <= height][-1]

    def add_finding(
        self,
        code: FindingCode,
        height: int | None,
        nodes: Sequence[str],
        detail: str,
        evidence: JsonObject | None = None,
    ) -> None:
        finding = Finding(
            code=code, height=height, nodes=tuple(nodes), detail=detail, evidence=evidence
        )
        self.findings.append(finding)

    # --- one height --------------------------------------------------------------------

    def parse_ahead(self, height: int, raw: JsonValue) -> Block | None:
        """A node's block at a height above the audited one, parsed now and kept until
        add_height reaches that height, which takes this parse for that very JSON (the same
        object) instead of parsing it again: a caller that needs the typed txs before their
        turn (`lantan audit`'s signatures ahead) and the replay share one parse. None when
        raw does not parse (add_height parses it again and reports why).

        Requires height > self.height."""
        assert height > self.height, (height, self.height)
        try:
            block = Block.from_json(raw)
        except ProtocolError:
            return None
        self._parsed_ahead[height] = (raw, block)
        return block

    def add_height(self, served: Sequence[ServedBlock]) -> None:
        """Check what the followed nodes served for height + 1 and advance the chain.

        Requires at least one ServedBlock, each from a node still followed, and not halted.
        """
        assert self.halted is None, self.halted
        assert served and all(self.follows(s.node) for s in served), served
        height = self.height + 1
        candidates = self._group(height, served)
        if not candidates:
            self.halted = f"no node served a well-formed block at height {height}"
            return
        parent = BlockParent(
            header=self._head,
            history_root=self._log.root(),
            validators=self.validators_at(height),
            chain_id=self.chain_id,
        )
        for candidate in candidates:
            self._check_candidate(height, candidate, served, parent)
        chosen = max(candidates, key=_preference)
        self._check_agreement(height, candidates, chosen)
        self._advance(height, chosen)

    def _group(self, height: int, served: Sequence[ServedBlock]) -> list[_Candidate]:
        """One candidate per distinct block JSON served. Not one per header hash: the
        header commits to the body only through tx_root, which body_problems checks, so
        two bodies under one header are two candidates, each checked, and each node is
        charged with its own (one candidate per hash let the first node's body stand for
        all: a node serving an altered tx was missed when an honest node came first in
        --nodes, and the honest one blamed when it came second: stop 56's chaos pass)."""
        candidates: list[_Candidate] = []
        # A parse ahead is held until its height only, whether or not a node followed here
        # served that very JSON.
        ahead = self._parsed_ahead.pop(height, None)
        for answer in served:
            # Nodes usually serve identical JSON: comparing it is far cheaper than parsing.
            same = next((c for c in candidates if c.raw == answer.block), None)
            if same is not None:
                same.nodes.append(answer.node)
                continue
            try:
                if ahead is not None and ahead[0] is answer.block:
                    block = ahead[1]
                else:
                    block = Block.from_json(answer.block)
            except ProtocolError as error:
                self.add_finding(FindingCode.BLOCK_MALFORMED, height, [answer.node], str(error))
                self.diverged[answer.node] = height
                continue
            candidate = _Candidate(block, block.header.block_hash(), answer.block)
            candidate.nodes.append(answer.node)
            candidates.append(candidate)
        return candidates

    def _check_candidate(
        self, height: int, candidate: _Candidate, served: Sequence[ServedBlock], parent: BlockParent
    ) -> None:
        block = candidate.block
        candidate.problems += header_problems(block.header, parent)
        candidate.problems += body_problems(block, check_signatures=self._replay is None)
        if self._replay is not None:
            execution, problems = replay_block(self._replay, block)
            candidate.execution, candidate.problems = execution, candidate.problems + problems
        for code, detail in candidate.problems:
            self.add_finding(code, height, candidate.nodes, detail)
        for answer in served:
            if answer.node in candidate.nodes:
                self._check_node_answer(height, candidate, answer, parent.validators)

    def _check_node_answer(
        self, height: int, candidate: _Candidate, answer: ServedBlock, validators: ValidatorSet
    ) -> None:
        problem = check_served_certificate(
            answer.certificate,
            chain_id=self.chain_id,
            height=height,
            block_hash=candidate.block_hash,
            validators=validators,
            verify=self._cache.verify,
        )
        if problem is None:
            candidate.certificates[answer.node] = answer.certificate
        else:
            self.add_finding(problem.code, height, [answer.node], problem.detail)
        result_problem = served_results_problem(
            candidate.block, answer.results, candidate.execution
        )
        if result_problem is not None:
            self.add_finding(result_problem[0], height, [answer.node], result_problem[1])

    def _check_agreement(
        self, height: int, candidates: list[_Candidate], chosen: _Candidate
    ) -> None:
        # A fork is two certified headers; one header served with two bodies is not one
        # (the altered body's own findings name its node).
        ranked = sorted((c for c in candidates if c.certified), key=_preference)
        certified = list({c.block_hash: c for c in ranked}.values())
        if len(certified) > 1:
            nodes = [node for c in certified for node in c.nodes]
            hashes = ", ".join(c.block_hash.hex()[:16] for c in certified)
            detail = f"{len(certified)} validly certified blocks at one height: {hashes}"
            evidence = _fork_evidence(certified)
            validators = self.validators_at(height)
            raw = [cert for c in certified for cert in c.certificates.values()]
            signers = double_signers(self.chain_id, validators, raw)
            suspects = signed_both(validators, raw)
            evidence["double_signers"] = list(signers)
            evidence["signed_both"] = list(suspects)
            if signers:
                names = ", ".join(str(s["name"] or s["public_key"]) for s in signers)
                detail += f"; double-signed by {names}"
            elif suspects:
                detail += f"; signed both at different rounds (no proof): {', '.join(suspects)}"
            self.add_finding(FindingCode.FORK, height, nodes, detail, evidence)
        for candidate in candidates:
            if candidate is chosen:
                continue
            for node in candidate.nodes:
                self.diverged[node] = height
                if not any(f.height == height and node in f.nodes for f in self.findings):
                    detail = f"serves block {candidate.block_hash.hex()[:16]}, others another"
                    self.add_finding(FindingCode.NODE_DIVERGES, height, [node], detail)

    def _advance(self, height: int, chosen: _Candidate) -> None:
        header = chosen.block.header
        self._log.append(header.canonical_bytes())
        self._head = header
        self._tx_count += len(chosen.block.txs)
        validators = self.validators_at(height)
        for evidence in chosen.block.evidence:
            self._misbehaviour.append(recorded_misbehaviour(height, evidence, validators))
        if self._replay is not None:
            replay_failed = any(code in replay_codes() for code, _ in chosen.problems)
            if chosen.execution is None or replay_failed:
                # Later blocks build on state the auditor cannot reproduce; comparing them
                # would only repeat this finding, so replay stops here.
                self._replay, self.replay_stopped_at = None, height
            else:
                self._replay.adopt(chosen.execution)
        if header.next_validators_hash != header.validators_hash:
            self._change_set(height, chosen)

    def _change_set(self, height: int, chosen: _Candidate) -> None:
        wanted = chosen.block.header.next_validators_hash
        found = self._known_sets.get(wanted)
        if found is None and chosen.execution is not None:
            replayed = chosen.execution.next_validators
            found = replayed if replayed.hash() == wanted else None
        if found is None:
            detail = f"no preimage of next_validators_hash {wanted.hex()}: cannot follow the set"
            self.add_finding(FindingCode.VALIDATOR_SET_UNKNOWN, height, chosen.nodes, detail)
            self.halted = detail
            return
        self._known_sets[wanted] = found
        self._set_changes.append((height + 1, found))

    # --- the result ----------------------------------------------------------------------

    def report(self) -> AuditReport:
        clean = not has_errors(self.findings)
        return AuditReport(
            chain_id=self.chain_id,
            height=self.height,
            replayed=self._replayed,
            replay_stopped_at=self.replay_stopped_at,
            tx_count=self._tx_count,
            findings=tuple(sorted(self.findings, key=_finding_order)),
            diverged=dict(self.diverged),
            new_checkpoint=self.checkpoints.newest_verified() if clean else None,
            misbehaviour=tuple(self._misbehaviour),
        )


def _preference(candidate: _Candidate) -> tuple[bool, bool, int]:
    """The block the audit follows: certified and sound first, then most nodes."""
    return (
        candidate.certified and not candidate.problems,
        candidate.certified,
        len(candidate.nodes),
    )


def _fork_evidence(certified: list[_Candidate]) -> JsonObject:
    return {
        "blocks": [
            {
                "block_hash": c.block_hash.hex(),
                "header": c.block.header.to_json(),
                "nodes": list(c.nodes),
                "certificate": next(iter(c.certificates.values())),
            }
            for c in certified
        ]
    }


def _finding_order(finding: Finding) -> tuple[int, str]:
    return (-1 if finding.height is None else finding.height, finding.code.value)
