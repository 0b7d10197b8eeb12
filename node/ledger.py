"""The node's chain: build, validate and commit blocks on the LevelDB store (DESIGN.md §2).

A proposal is executed on a discardable overlay by the one block transition
(contracts/transition.py: execution, state tree and roots); validators re-execute it the
same way and check the header (protocol/block_check.py), refusing at the first problem.
Commit appends the header to the history log and writes everything of the block in one
synced batch. Blocking work: callers run these methods off the event loop.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from contracts.context import BlockContext
from contracts.state_tree import update_state_tree
from contracts.transition import Transition, execute_block, verify_execution
from contracts.validator_sets import current_validator_set, next_validator_set
from genesis.document import Genesis
from node.metrics.registry import NodeMetrics
from node.storage.block_leaves import block_leaves
from node.storage.errors import StoreWriteError
from node.storage.leveldb import LevelDbStore
from node.storage.overlay import Overlay
from protocol.block import Block, BlockHeader, HeldTx, evidence_root, parse_block, tx_root
from protocol.block_check import BlockParent, BlockProblem, BodyChecked, check_body, check_header
from protocol.certificate_check import verify_certificate
from protocol.encoding import decode, decode_canonical, encode
from protocol.errors import ProtocolError
from protocol.evidence import Evidence
from protocol.hashing import Hash32
from protocol.log import MerkleLog
from protocol.results import TxResult
from protocol.signing import PublicKey, VerifySignature, verify_signature
from protocol.tx import PROTOCOL_VERSION, SignedTx
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate

PREPARED_CACHE_MAX = 16
"""Executed proposals kept for commit; a few rounds' worth is plenty."""
PREPARED_TXS_MAX = 8000
"""...and the txs in them, at most (the newest is kept whatever its size): an executed block
holds its parsed txs, results and write set, which grow with its txs, so the bound is in
txs to hold the same memory whatever block_txs_max is (sixteen blocks of 250 were 4,000)."""


class InvalidProposalError(Exception):
    """A proposed or synced block that this node must not vote for or apply."""

    def __init__(self, message: str, problem: BlockProblem | None = None) -> None:
        super().__init__(message)
        self.problem = problem
        """The header or body check's problem, where one says why (None: another reason)."""


class ForkError(Exception):
    """A certified block differs from the block this node committed at its height."""

    def __init__(self, height: int, ours: Hash32, theirs: Hash32) -> None:
        super().__init__(
            f"fork at height {height}: committed {ours.hex()}, certified {theirs.hex()}"
        )
        self.height = height
        self.ours = ours
        self.theirs = theirs


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparedBlock:
    """A block executed on an overlay, ready to commit if it gets a certificate."""

    block: Block
    payload: bytes
    """JCS(block): what consensus carries and the store keeps."""
    block_hash: Hash32
    results: tuple[TxResult, ...]
    next_validators: ValidatorSet
    overlay: Overlay


def header_of_payload(payload: bytes) -> BlockHeader | None:
    """The header of a block payload without parsing its txs; None when it does not parse.

    A payload is canonical JCS with keys evidence, header, txs in that order, so the header
    is the bytes between `"header":` and `,"txs":[`; no string can hold a bare quote, so the
    markers cannot occur inside one. Ledger.validate checks the whole payload.
    """
    start = payload.find(b',"header":{')
    end = payload.find(b'},"txs":[', start)
    if start < 0 or end < 0:
        return None
    try:
        return BlockHeader.from_json(decode_canonical(payload[start + 10 : end + 1]))
    except ProtocolError:
        return None


def block_hash_of_payload(payload: bytes) -> Hash32 | None:
    """The consensus PayloadHasher: the header's block_hash, None when it does not parse."""
    header = header_of_payload(payload)
    return None if header is None else header.block_hash()


class Ledger:
    """One node's committed chain and the proposals executed on top of it."""

    def __init__(
        self,
        store: LevelDbStore,
        genesis: Genesis,
        *,
        verify: VerifySignature = verify_signature,
        forget_signature: Callable[[bytes, bytes, bytes], None] | None = None,
        metrics: NodeMetrics | None = None,
        on_write_failure: Callable[[StoreWriteError], None] | None = None,
        held_tx: HeldTx | None = None,
    ) -> None:
        self.store = store
        self.verify = verify
        self.held_tx = held_tx
        """The txs this node holds parsed already, by canonical bytes (Mempool.held in a
        running node): validate takes a proposed block's tx from there when its bytes are
        the held tx's, instead of parsing it again (protocol/block.py parse_block)."""
        self.forget_signature = forget_signature
        """Told each signature of a committed block's txs (SignatureCache.forget in a running
        node): no step verifies them again, so the cache need not keep them."""
        self.on_write_failure = on_write_failure
        """Called when LevelDB refuses a block (a full disk); node/assembly.py stops the process
        there, since the handle refuses every later write. Without it the error propagates."""
        """Signature check used in execution: protocol/signature_cache.py in a running node."""
        self.on_commit: list[Callable[[Block], None]] = []
        """Told each block once it is written, on the committing thread, whichever path
        committed it (consensus, sync): NodeService notes the senders whose nonce moved."""
        self.metrics = metrics or NodeMetrics()
        self.genesis = genesis
        self.chain_id = genesis.chain_id
        self._prepared: dict[Hash32, PreparedBlock] = {}
        self._head: BlockHeader | None = None
        self._sets: tuple[int, ValidatorSet, ValidatorSet] | None = None
        self._lock = threading.Lock()
        if store.head_height() is None:
            self._commit_genesis()
        stored = self.header(0)
        if stored != genesis.header:
            raise InvalidProposalError("the store holds another chain's genesis header")

    def _commit_genesis(self) -> None:
        overlay = self.store.begin()
        overlay.state.apply(dict(self.genesis.state))
        update_state_tree(overlay.smt, 0, self.genesis.state)
        header = self.genesis.header
        MerkleLog(overlay.log).append(header.canonical_bytes())
        block = Block(header=header, txs=(), evidence=())
        overlay.record_block(
            height=0, block=encode(block.to_json()), certificate=None, results=(), tx_ids=()
        )
        self.store.commit(overlay)

    # --- reads ---------------------------------------------------------------------------

    @property
    def height(self) -> int:
        head = self.store.head_height()
        assert head is not None
        return head

    def block(self, height: int) -> Block | None:
        stored = self.store.get_block(height)
        return None if stored is None else Block.from_json(decode(stored))

    def header(self, height: int) -> BlockHeader | None:
        """A committed header, read without parsing the block's txs."""
        stored = self.store.get_block(height)
        return None if stored is None else header_of_payload(stored)

    def head(self) -> BlockHeader:
        height = self.height
        cached = self._head
        if cached is None or cached.height != height:
            header = self.header(height)
            assert header is not None, f"stored block {height} has no readable header"
            self._head = cached = header
        return cached

    def certificate(self, height: int) -> CommitCertificate | None:
        stored = self.store.get_certificate(height)
        return None if stored is None else CommitCertificate.from_json(decode(stored))

    def recent_commits(self, count: int) -> dict[int, tuple[bytes, CommitCertificate]]:
        """The stored block and certificate of each of the last count heights (genesis,
        which has no certificate, excluded), by height."""
        commits: dict[int, tuple[bytes, CommitCertificate]] = {}
        for height in range(max(1, self.height - count + 1), self.height + 1):
            payload = self.store.get_block(height)
            certificate = self.certificate(height)
            if payload is not None and certificate is not None:
                commits[height] = (payload, certificate)
        return commits

    def validators_of_head(self) -> ValidatorSet:
        """The set that certified the head block: it signs the head's checkpoint (§10)."""
        return self._validator_sets()[0]

    def validators_for_next_height(self) -> ValidatorSet:
        """The set that certifies block height + 1 (the committed next_validators)."""
        return self._validator_sets()[1]

    def _validator_sets(self) -> tuple[ValidatorSet, ValidatorSet]:
        # Every peer message and status read asks; the sets change only with the head, so
        # they are decoded from state once per committed height.
        height = self.height
        cached = self._sets
        if cached is None or cached[0] != height:
            state = self.store.state
            cached = (height, current_validator_set(state), next_validator_set(state))
            self._sets = cached
        return cached[1], cached[2]

    def history_root(self, size: int | None = None) -> Hash32:
        return MerkleLog(self.store.log).root(size)

    def prepared(self, block_hash: Hash32) -> PreparedBlock | None:
        """A block this node already built or validated, if still on top of the head."""
        with self._lock:
            return self._prepared.get(block_hash)

    # --- proposals -----------------------------------------------------------------------

    def build(
        self,
        *,
        txs: tuple[SignedTx, ...],
        evidence: tuple[Evidence, ...],
        time_ms: int,
        proposer: PublicKey,
    ) -> PreparedBlock:
        """Execute txs on top of the head and make the block. Requires admissible txs."""
        with self.metrics.block_build.time():
            previous = self.head()
            overlay = self.store.begin()
            height = previous.height + 1
            ctx = BlockContext(chain_id=self.chain_id, height=height, time_ms=time_ms)
            transition = execute_block(
                overlay.state, ctx, txs, evidence, tree=overlay.smt, verify=self.verify
            )
            assert transition.state_root is not None
            header = BlockHeader(
                protocol_version=PROTOCOL_VERSION,
                chain_id=self.chain_id,
                height=height,
                time_ms=time_ms,
                prev_hash=previous.block_hash(),
                history_root=MerkleLog(overlay.log).root(),
                tx_root=tx_root(txs),
                results_root=transition.results_root,
                state_root=transition.state_root,
                validators_hash=self.validators_for_next_height().hash(),
                next_validators_hash=transition.next_validators.hash(),
                evidence_root=evidence_root(evidence),
                proposer=proposer,
            )
            block = Block(header=header, txs=txs, evidence=evidence)
            return self._remember(block, transition, overlay)

    def validate(
        self,
        payload: bytes,
        *,
        now_ms: int | None,
        drift_ms: int,
        parsed: BodyChecked | None = None,
    ) -> PreparedBlock:
        """Re-execute a proposed block and check every header field against the result.

        now_ms is checked when given (a live proposal); a synced block with a
        certificate skips them. parsed: the payload already parsed and its body checked
        (block sync does both before it verifies the txs' signatures ahead); it is used
        only if its canonical bytes are the payload, which makes it the very block the
        payload holds. Raises InvalidProposalError with the first problem.
        """
        if parsed is None:
            try:
                block = parse_block(payload, self.held_tx)
            except ProtocolError as error:
                raise InvalidProposalError(f"malformed block: {error}") from None
            _refuse_first(check_body(block), prefix="malformed block: ")
        else:
            block = parsed.block
        if block.canonical_bytes() != payload:
            raise InvalidProposalError("block payload is not in canonical form")
        known = self._prepared.get(block.header.block_hash())
        if known is not None:
            return known
        # Txs that reach this node only inside a proposal are first seen here.
        self.metrics.txs_seen(tx.tx_id for tx in block.txs)
        started = time.perf_counter()
        outcome = "invalid"
        try:
            prepared = self._execute(block, now_ms=now_ms, drift_ms=drift_ms)
            outcome = "valid"
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.block_validation.labels(outcome=outcome).observe(elapsed)
        return prepared

    def _execute(self, block: Block, *, now_ms: int | None, drift_ms: int) -> PreparedBlock:
        parent = BlockParent(
            header=self.head(),
            history_root=self.history_root(),
            validators=self.validators_for_next_height(),
            chain_id=self.chain_id,
        )
        _refuse_first(check_header(block.header, parent, now_ms=now_ms, drift_ms=drift_ms))
        overlay = self.store.begin()
        transition, problems = verify_execution(
            overlay.state, block, chain_id=self.chain_id, tree=overlay.smt, verify=self.verify
        )
        _refuse_first(problems)
        assert transition is not None
        return self._remember(block, transition, overlay)

    def _remember(self, block: Block, transition: Transition, overlay: Overlay) -> PreparedBlock:
        # The overlay's state catches up with the tree the transition already wrote to it.
        overlay.state.apply(transition.writes)
        prepared = PreparedBlock(
            block=block,
            payload=block.canonical_bytes(),
            block_hash=block.header.block_hash(),
            results=transition.results,
            next_validators=transition.next_validators,
            overlay=overlay,
        )
        with self._lock:
            kept = self._prepared
            txs = len(block.txs) + sum(len(p.block.txs) for p in kept.values())
            while kept and (len(kept) >= PREPARED_CACHE_MAX or txs > PREPARED_TXS_MAX):
                txs -= len(kept.pop(next(iter(kept))).block.txs)
            kept[prepared.block_hash] = prepared
        return prepared

    # --- commit --------------------------------------------------------------------------

    def commit(
        self, prepared: PreparedBlock, certificate: CommitCertificate, *, path: str = "consensus"
    ) -> None:
        """Write the block, its certificate, results and state in one synced batch.

        path (consensus or sync) labels the commit in lantan_blocks_committed_total.
        """
        header = prepared.block.header
        assert certificate.block_hash == prepared.block_hash
        interval_ms = header.time_ms - self.head().time_ms
        overlay = prepared.overlay
        MerkleLog(overlay.log).append(header.canonical_bytes())
        txs = [tx.canonical_bytes() for tx in prepared.block.txs]
        results = [r.canonical_bytes() for r in prepared.results]
        overlay.record_block(
            height=header.height,
            block=prepared.payload,
            certificate=certificate.canonical_bytes(),
            results=results,
            tx_ids=[tx.tx_id for tx in prepared.block.txs],
            leaves=block_leaves(
                prepared.payload,
                txs,
                results,
                hashed=(
                    [tx.leaf_hash() for tx in prepared.block.txs],
                    [r.leaf_hash() for r in prepared.results],
                ),
            ),
        )
        try:
            self.store.commit(overlay)
        except StoreWriteError as error:
            # The overlay now holds this block's log entry and records: it cannot be
            # committed again, so no retry may find it among the prepared blocks.
            with self._lock:
                self._prepared.clear()
            if self.on_write_failure is not None:
                self.on_write_failure(error)
            raise
        # The head's header, known here: head() would otherwise read the whole block back
        # (~650 KB for 1,000 txs) once per height to parse it.
        self._head = header
        with self._lock:
            self._prepared.clear()
        for listener in self.on_commit:
            listener(prepared.block)
        if self.forget_signature is not None:
            for signed in prepared.block.txs:
                message = signed.tx.signing_bytes()
                for signature in signed.signatures:
                    self.forget_signature(signature.public_key, message, signature.signature)
        self.metrics.block_committed(
            path=path,
            tx_ids=[tx.tx_id for tx in prepared.block.txs],
            evidence=len(prepared.block.evidence),
            interval_s=interval_ms / 1000,
        )

    def commit_certified(
        self,
        payload: bytes,
        certificate: CommitCertificate,
        *,
        check_certificate: bool,
        parsed: BodyChecked | None = None,
    ) -> Block | None:
        """Commit a certified block; idempotent. The Block when this call wrote it, None when
        it was committed already (callers read the block's contents from it, not decoded again).

        Consensus and block sync both commit, on one worker thread but from decisions taken
        earlier on the event loop, so the height check belongs here: a block already
        committed with the same hash is a no-op (None); a different one at a committed
        height raises ForkError; anything else must be the next height and execute.
        check_certificate is False only for certificates the consensus engine verified.
        parsed: the payload already parsed and its body checked, as validate takes it.
        """
        height = certificate.height
        if height <= self.height:
            ours = self.header(height)
            assert ours is not None, f"committed height {height} has no header"
            if ours.block_hash() == certificate.block_hash:
                return None
            raise ForkError(height, ours.block_hash(), certificate.block_hash)
        if height != self.height + 1:
            raise InvalidProposalError(f"certified height {height} is not next ({self.height})")
        if check_certificate:
            verify_certificate(certificate, self.chain_id, self.validators_for_next_height())
        prepared = self.prepared(certificate.block_hash)
        if prepared is None:
            # A peer serving block sync a real certificate beside another payload (a block
            # it built on the right parent) had that payload parsed, its signatures checked
            # and executed before the hashes below were compared: its header goes first.
            # (A parsed block's header was compared already: sync_blocks.parse_if_certified.)
            if parsed is None and block_hash_of_payload(payload) != certificate.block_hash:
                raise InvalidProposalError("certificate is for another block")
            prepared = self.validate(payload, now_ms=None, drift_ms=0, parsed=parsed)
        if (height, certificate.block_hash) != (prepared.block.header.height, prepared.block_hash):
            raise InvalidProposalError("certificate is for another block")
        self.commit(prepared, certificate, path="sync" if check_certificate else "consensus")
        return prepared.block


def _refuse_first(problems: list[BlockProblem], *, prefix: str = "") -> None:
    """A validator votes nil on any problem, so the first one is reason enough."""
    if problems:
        raise InvalidProposalError(prefix + problems[0].detail, problems[0])
