"""The engine's block actions performed on the ledger: build a proposal, validate one,
write a certified block (node/runtime.py asks; the ledger work runs on its worker thread).

Each answers with the event the engine waits for, for the runtime to queue, or raises
ConsensusHaltedError. Holds no consensus state: the runtime's loop owns that.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from consensus import (
    CommitBlock,
    ProposalRefused,
    ProposalSubmitted,
    ProposalValidated,
    RequestProposal,
    ValidateProposal,
)
from contracts.errors import ContractError
from node.clock_watch import ClockWatch
from node.evidence_pool import EvidencePool, Pooled
from node.ledger import InvalidProposalError, Ledger, PreparedBlock
from node.mempool import Mempool
from node.proposal_builder import build_block, unexpired
from node.runtime_settings import Clock, RunInWorker, RuntimeSettings
from protocol.block_check import BlockProblemKind
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate

log = logging.getLogger("lantan.runtime")
AHEAD_WAIT_MS_MAX = 60_000
"""A proposal ahead of this node's clock by more than max_clock_drift_ms is validated again
once the clock has caught up, if that is at most this far off; further ahead, it is
refused for the height (and the payload is not held that long)."""


class ConsensusHaltedError(Exception):
    """A certified block does not execute here: stop signing and fail /readyz."""


@dataclass(eq=False, kw_only=True)
class BlockActions:
    """Proposals built and checked, certified blocks written, over one node's ledger."""

    ledger: Ledger
    mempool: Mempool
    evidence_pool: EvidencePool
    clock: Clock
    settings: RuntimeSettings
    run_in_worker: RunInWorker
    validate_later: Callable[[ValidateProposal, int], None]
    """Validate the proposal again in so many ms (the runtime's timer: _ahead_wait_ms)."""
    clock_watch: ClockWatch = field(init=False)
    """How far ahead of this clock the others' recent proposals were (/readyz warnings)."""
    _waiting: set[tuple[int, int, bytes]] = field(default_factory=set, init=False)
    """Proposals validate_later holds: their second validation is not a first look."""

    def __post_init__(self) -> None:
        self.clock_watch = ClockWatch(drift_ms=self.settings.max_clock_drift_ms)

    async def propose(
        self, action: RequestProposal, proposer: PublicKey
    ) -> ProposalSubmitted | None:
        """Build the requested block from the mempool and the evidence pool (on the
        worker); None when the ledger is not at the height below it."""
        if action.height != self.ledger.height + 1:
            return None
        time_ms = max(self.clock.now_ms(), self.ledger.head().time_ms + 1)
        taken = self.mempool.take(self.settings.block_txs_max, self.settings.block_bytes_max)
        txs = unexpired(taken, time_ms)
        pooled = self.evidence_pool.items()
        prepared, dropped, stale = await self.run_in_worker(
            self._build_proposal, txs, pooled, time_ms, proposer
        )
        self.mempool.discard(dropped)
        self.evidence_pool.drop(stale)
        return ProposalSubmitted(
            height=action.height,
            round=action.round,
            block_hash=prepared.block_hash,
            payload=prepared.payload,
        )

    def _build_proposal(
        self, txs: tuple[SignedTx, ...], pooled: Pooled, time_ms: int, proposer: PublicKey
    ) -> tuple[PreparedBlock, list[Hash32], list[bytes]]:
        """On the worker: choose the evidence, then build. Also returns the pool keys of
        evidence no longer recordable, for the event loop to drop from the pool."""
        evidence, stale = self.evidence_pool.for_block(pooled)
        prepared, dropped = build_block(
            self.ledger, txs=txs, evidence=evidence, time_ms=time_ms, proposer=proposer
        )
        return prepared, dropped, stale

    async def validate(self, action: ValidateProposal) -> ProposalValidated | None:
        """Execute a proposal (on the worker) unless it is already prepared here; counts a
        refusal by reason. None: no answer yet, the proposal is only ahead of this clock
        (validate_later)."""
        # Proposals held for a later look at heights now committed will get none.
        self._waiting = {w for w in self._waiting if w[0] > self.ledger.height}
        valid = self.ledger.prepared(action.block_hash) is not None
        refused = None if valid else "not_next"
        if not valid and action.height == self.ledger.height + 1:
            try:
                prepared = await self.run_in_worker(
                    lambda: self.ledger.validate(
                        action.payload,
                        now_ms=self.clock.now_ms(),
                        drift_ms=self.settings.max_clock_drift_ms,
                    )
                )
                valid = prepared.block_hash == action.block_hash
                refused = None if valid else "other_block"
                waited = (action.height, action.round, bytes(action.block_hash))
                if waited in self._waiting:
                    self._waiting.discard(waited)
                else:
                    self.clock_watch.saw(0)
            except InvalidProposalError as error:
                wait_ms = self._ahead_wait_ms(action, error)
                if wait_ms is not None:
                    self._waiting.add((action.height, action.round, bytes(action.block_hash)))
                    self.validate_later(action, wait_ms)
                    return None
                refused = "invalid"
                log.warning("proposal %d/%d invalid: %s", action.height, action.round, error)
        if refused is not None:
            self.ledger.metrics.proposal_refused(refused)
        return ProposalValidated(
            height=action.height, round=action.round, block_hash=action.block_hash, valid=valid
        )

    def _ahead_wait_ms(self, action: ValidateProposal, error: InvalidProposalError) -> int | None:
        """A block refused only for being ahead of our clock (TIME_AHEAD, first in
        check_header's order after the links) is not invalid for good: how long until our
        clock has caught up, to validate it again then and answer nothing until then (ADR
        0040). The engine prevotes nil on its propose timeout meanwhile, as on a refusal,
        but valid(v) is asked once a height: answered "invalid", a validator whose clock
        lags refused the block for the whole height, also at line 28 and at the decision,
        after its clock had passed it (a halt at n=3 with one more fault). None: refuse it
        now."""
        problem = error.problem
        if problem is None or problem.kind is not BlockProblemKind.TIME_AHEAD:
            self.clock_watch.saw(0)
            return None
        assert isinstance(problem.claimed, int)
        wait_ms = problem.claimed - self.settings.max_clock_drift_ms - self.clock.now_ms()
        self.clock_watch.saw(wait_ms)
        if wait_ms > AHEAD_WAIT_MS_MAX:
            return None
        self.ledger.metrics.proposal_refused("ahead")
        # Operators grep for "time_ms is N ms ahead" (docs/RELIABILITY.md): keep its words.
        log.warning("proposal %d/%d waits for this clock: %s", action.height, action.round, error)
        return wait_ms

    def refused(self, action: ProposalRefused) -> None:
        """Count and log a signed proposal whose payload does not hash to its block (at
        most one a round: only the round's proposer can sign one)."""
        self.ledger.metrics.proposal_refused("payload_mismatch")
        log.warning(
            "proposal of round %d refused: its payload does not hash to block %s, and "
            "proposer %s signed it",
            action.round,
            action.block_hash.hex()[:16],
            action.proposer.hex()[:16],
            extra={"height": action.height, "round": action.round},
        )

    async def commit(self, action: CommitBlock) -> ValidatorSet:
        """Write the decided block (on the worker); the next height's validators."""
        if action.height > self.ledger.height + 1:
            raise ConsensusHaltedError(f"asked to commit {action.height} above the ledger")
        # The height check happens in the worker, beside the write: block sync may have
        # committed this height in between, which makes this commit a no-op.
        await self.run_in_worker(self.commit_block, action.payload, action.certificate)
        return self.ledger.validators_for_next_height()

    def commit_block(self, payload: bytes, certificate: CommitCertificate) -> None:
        """On the worker: write a certified block; one that does not execute halts."""
        try:
            self.ledger.commit_certified(payload, certificate, check_certificate=False)
        except (InvalidProposalError, ContractError) as error:
            raise ConsensusHaltedError(f"certified block does not execute: {error}") from None
