"""Block sync's catch-up by ranges: the certified blocks this node lacks, fetched from the
peers that claim them (GET /v1/blocks/range), checked and committed in order.

Each block's certificate is verified against the validator set this node tracks from
genesis, and the block re-executed and committed (Ledger.commit_certified: idempotent, since
consensus may have committed it first). The next range is on its way, and the blocks next in
line are parsed (once, on the worker, which executes that parse) and their txs' signatures
verified in a process of the node's far behind (node/sync_ahead.py), else on a thread of
their own (the signature cache of the ledger's verify port keeps them), while the worker
executes the current one.
"""

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from contracts.validator_sets import current_validator_set
from node.ledger import ForkError, InvalidProposalError, Ledger
from node.peer_errors import describe_peer_error
from node.storage.smt_top import CATCH_UP_LEVELS
from node.sync_ahead import SignaturesAhead
from node.sync_blocks import FetchedBlock, RangeRefusedError, parse_if_certified, parse_range
from node.sync_fetch import (
    BLOCK_RANGE_BYTES_MAX,
    RANGE_RESPONSE_BYTES_MAX,
    PeerAnswerError,
    PeerClient,
)
from node.sync_state import PeerView
from protocol.block_check import BodyChecked
from protocol.errors import ProtocolError
from protocol.signature_prefetch import signed_triples, verify_signatures
from protocol.votes import CommitCertificate

log = logging.getLogger("lantan.sync")
Worker = Callable[..., Awaitable[Any]]
SYNC_BATCH_BLOCKS = 256
RETRY_UNSERVED_S = 10.0
"""How long a peer that served nothing in its last catch-up round (it claimed to be ahead)
is not asked again: the others are asked first meanwhile (catch_up)."""
SYNC_RANGE_BLOCKS = 16
"""Blocks asked for per range request (about 3.5 MB of 250-tx blocks)."""
FAR_BEHIND_BLOCKS = 64
"""A catch-up this far behind the highest peer holds CATCH_UP_LEVELS of the state tree
while it runs. Holding them costs a wiped node nothing (its tree is small at first) and a
restarted one at most 3 * 2**14 LevelDB reads once (~0.4 s at 10^6 records), which 64
blocks of attests repay; a validator in step with its peers never reaches it."""
FAR_PROOF_BLOCKS = SYNC_RANGE_BLOCKS
"""Blocks a catch-up round commits before a peer's claim to be FAR_BEHIND_BLOCKS ahead is
believed (_go_far): one range. Far behind, the first range runs as a node in step does (the
process starts in 1-2 s anyway); a node in step never commits that many in a round."""
VERIFY_AHEAD_BLOCKS = 2
"""Blocks parsed and their signatures verified ahead of the one executing: the verifying
thread stays ahead (Ed25519 is a third of execution) while the signature cache (60,000
entries) still holds them when execution asks, even for blocks of BLOCK_TXS_MAX txs, and
only these few blocks are held parsed (a range of 2,000-tx blocks is ~50 MB parsed).
The thread ahead runs no Python of its own beyond the verify calls: a thread parsing
there took the GIL whenever the worker released it for a LevelDB read, and the worker
then waited for the interpreter's forced switch (5 ms) to get it back."""


class CatchUp:
    """Applies the certified blocks this node lacks, from the peers ahead of it."""

    def __init__(
        self,
        ledger: Ledger,
        peers: dict[str, PeerView],
        run_in_worker: Worker,
        client: PeerClient,
        signatures_ahead: SignaturesAhead | None,
    ) -> None:
        self._ledger = ledger
        self._peers = peers
        self._run = run_in_worker
        self._client = client
        self._ahead_pool: ThreadPoolExecutor | None = None
        self._signatures_ahead = signatures_ahead
        """The process verifying blocks' tx signatures ahead far behind (node/sync_ahead.py;
        the node has one); without it, or once it failed, the thread ahead verifies them."""
        self._verifying: SignaturesAhead | None = None
        """signatures_ahead while a catch-up far behind runs."""
        self._far = False
        """Whether this catch-up round runs far behind (_go_far)."""
        self._committed_this_round = 0

    def _ahead(self) -> ThreadPoolExecutor:
        """The thread that splits fetched ranges and verifies their signatures when no
        process does, beside the worker (made on first use)."""
        if self._ahead_pool is None:
            self._ahead_pool = ThreadPoolExecutor(1, thread_name_prefix="lantan-sync-ahead")
        return self._ahead_pool

    def close(self) -> None:
        if self._ahead_pool is not None:
            self._ahead_pool.shutdown(wait=False, cancel_futures=True)
            self._ahead_pool = None
        if self._signatures_ahead is not None:
            self._signatures_ahead.close()

    async def run(self, lag_allowed: int) -> int:
        """Apply blocks while a reachable peer is more than lag_allowed ahead; return count.

        Far behind (more than FAR_BEHIND_BLOCKS), once FAR_PROOF_BLOCKS of a peer's blocks
        committed (_go_far), the store holds CATCH_UP_LEVELS of the state tree, and its own
        levels again after (node/storage/smt_top.py), and the txs' signatures are verified
        in a process of the node's (node/sync_ahead.py), which ends with the catch-up: a
        node in step with its peers holds none.
        """
        # Decided afresh by every round, so a round that failed half-way leaves nothing held.
        self._far, self._committed_this_round = False, 0
        applied = 0
        try:
            # Highest first, peers whose blocks committed here before the rest; a peer whose
            # last round served nothing after the others, and again only RETRY_UNSERVED_S
            # later: one that claimed a few blocks more than the rest and dripped its ranges
            # held every round BODY_DEADLINE_S (30 s) before the honest peers were asked.
            now = time.monotonic()
            for view in sorted(self._peers.values(), key=lambda v: (not v.credible, -v.height)):
                if not view.credible and now < view.retry_at:
                    continue
                while view.reachable and view.height > self._ledger.height + lag_allowed:
                    count = await self._fetch_and_apply(view)
                    applied += count
                    view.credible = count > 0 and not view.served_short
                    if not view.credible:
                        view.retry_at = time.monotonic() + RETRY_UNSERVED_S
                        break
        finally:
            if self._verifying is not None:
                self._verifying.close(wait=False)
                self._verifying = None
            self._far = False
        await self._hold_tree_levels(None)
        return applied

    async def _go_far(self, view: PeerView, committed: int) -> None:
        """After `committed` of view's blocks committed in this round: once they are
        FAR_PROOF_BLOCKS and view still claims to be more than FAR_BEHIND_BLOCKS ahead, the
        rest of this catch-up holds CATCH_UP_LEVELS and verifies in the process. Decided on
        blocks served and committed, never on a peer's word: a peer claiming a height it
        could not serve made every sync round (two a second) hold and let go of 2**16 tree
        nodes and start a process, on every node that polled it (a hostile-input pass: 22
        processes a node, the box's load at 62). A node in step commits a block or two a
        round; only one really behind commits FAR_PROOF_BLOCKS."""
        if self._far or committed < FAR_PROOF_BLOCKS:
            return
        if view.height - self._ledger.height <= FAR_BEHIND_BLOCKS:
            return
        self._far = True
        await self._hold_tree_levels(CATCH_UP_LEVELS)
        self._verifying = self._signatures_ahead
        if self._verifying is not None:
            self._verifying.warm()

    async def _hold_tree_levels(self, levels: int | None) -> None:
        """The store's held tree levels (None: its own), changed on the worker, between
        commits; no trip to the worker when they are already so."""
        store = self._ledger.store
        if store.held_tree_levels != (store.own_tree_levels if levels is None else levels):
            await self._run(store.hold_tree_levels, levels)

    async def _fetch_and_apply(self, view: PeerView) -> int:
        """Apply up to SYNC_BATCH_BLOCKS of the peer's blocks, a range at a time, the next
        range fetched while this one executes. A bad answer or block stops this peer's
        round (run goes on with the next peer); the blocks before it stay applied."""
        first = self._ledger.height + 1
        last = min(view.height, first + SYNC_BATCH_BLOCKS - 1)
        applied = 0
        view.served_short = False
        pending = self._fetch_ahead(view, first, last)
        try:
            while pending is not None:
                # A queue apply_blocks empties as it commits: nothing else holds the blocks,
                # so each one's parsed form is freed once it is committed.
                blocks = deque(await pending or ())
                pending = None
                if not blocks:
                    break
                first += len(blocks)
                pending = self._fetch_ahead(view, first, last)
                wrote, whole = await self.apply_blocks(view, blocks)
                applied += wrote
                if not whole or view.served_short:
                    break
        finally:
            if pending is not None:
                pending.cancel()
        return applied

    def _fetch_ahead(
        self, view: PeerView, first: int, last: int
    ) -> "asyncio.Task[list[FetchedBlock] | None] | None":
        """Start fetching blocks first..last (as many as one range holds); None if none."""
        if first > last:
            return None
        return asyncio.create_task(self._fetch_range(view, first, last))

    async def apply_blocks(self, view: PeerView, blocks: "deque[FetchedBlock]") -> tuple[int, bool]:
        """Commit the blocks in order on the worker, taking each off the queue: how many it
        wrote, and False if one was refused (the blocks after it are dropped, their
        verification cancelled)."""
        wrote_count = 0
        while blocks:
            fetched = blocks.popleft()
            height = fetched.certificate.height
            for ahead in (fetched, *itertools.islice(blocks, VERIFY_AHEAD_BLOCKS)):
                self._start(ahead)
            assert fetched.ready is not None
            # Execution would verify what the other thread is still verifying.
            parsed = await fetched.ready
            try:
                wrote = await self._run(self._commit, fetched.payload, fetched.certificate, parsed)
            except ForkError as error:
                if parsed is None:
                    # Its certificate did not hold (parse_if_certified): a peer's bogus block
                    # for a height this node committed meanwhile, not a second certified one.
                    log.warning(
                        "block %d from %s refused: not the block committed at that height,"
                        " and its certificate does not hold",
                        height,
                        view.url,
                    )
                    view.reachable = False
                else:
                    # check_fork confirms it against the peer's certificate and halts the node.
                    log.critical("block %d from %s: %s", height, view.url, error)
                break
            except (InvalidProposalError, ProtocolError) as error:
                log.warning("block %d from %s refused: %s", height, view.url, error)
                view.reachable = False
                break
            wrote_count += 1 if wrote else 0
            if wrote:
                # Its claim holds: readiness counts it from the first block of a long
                # catch-up, not from the end of the round (PeerView.credible).
                view.credible = True
                self._committed_this_round += 1
                await self._go_far(view, self._committed_this_round)
        else:
            return wrote_count, True
        for dropped in blocks:
            if dropped.ready is not None:
                dropped.ready.cancel()
        return wrote_count, False

    def _start(self, fetched: FetchedBlock) -> None:
        """Start preparing the block (_prepare), once."""
        if fetched.ready is None:
            fetched.ready = asyncio.ensure_future(self._prepare(fetched))

    async def _prepare(self, fetched: FetchedBlock) -> BodyChecked | None:
        """Parse the block on the worker (queued between the commits) if the set this node
        holds now certifies it (a set that changes inside the range only costs the blocks
        after the change their head start), then verify its txs' signatures in the
        verifying process (far behind) or on the thread ahead; the parsed block."""
        validators = current_validator_set(self._ledger.store.state)
        verify = self._ledger.verify
        parsed: BodyChecked | None = await self._run(
            parse_if_certified, verify, self._ledger.chain_id, validators, fetched
        )
        triples = [] if parsed is None else signed_triples(parsed.block.txs)
        # An empty block (most of a chain at rest) has nothing to verify: no trip to the
        # process or the thread, each a wait of its own before the block commits.
        if triples:
            ahead = self._verifying
            if ahead is None or not await ahead.verify(triples):
                await asyncio.wrap_future(self._ahead().submit(verify_signatures, verify, triples))
        return parsed

    def _commit(
        self, payload: bytes, certificate: CommitCertificate, parsed: BodyChecked | None
    ) -> bool:
        block = self._ledger.commit_certified(
            payload, certificate, check_certificate=True, parsed=parsed
        )
        return block is not None

    async def _fetch_range(
        self, view: PeerView, first: int, last: int
    ) -> list[FetchedBlock] | None:
        """Blocks first.. (at most SYNC_RANGE_BLOCKS, none past last) from one request, split
        off the event loop, the first one's parse and verification started; None when the
        peer failed or answered with other heights. A peer without the range route (an older
        node) is asked for the first block alone."""
        limit = min(SYNC_RANGE_BLOCKS, last - first + 1)
        url = f"{view.url}/v1/blocks/range?from={first}&limit={limit}"
        try:
            status, content = await self._client.get_bounded(url, RANGE_RESPONSE_BYTES_MAX)
            if status != 200:
                single = await self._client.fetch_block(view.url, first)
                return None if single is None else [FetchedBlock(*single)]
            loop = asyncio.get_running_loop()
            parsed = await loop.run_in_executor(self._ahead(), parse_range, content, first, limit)
        except (httpx.HTTPError, ProtocolError, PeerAnswerError, RangeRefusedError) as error:
            log.info(
                "fetching blocks %d.. from %s failed: %s",
                first,
                view.url,
                describe_peer_error(error),
            )
            return None
        blocks = [FetchedBlock(*entry) for entry in parsed]
        _note_short(view, first, limit, len(blocks), len(content))
        if blocks:
            # Parsed and verified while the blocks before it execute.
            self._start(blocks[0])
        return blocks


def _note_short(view: PeerView, first: int, asked: int, served: int, content_bytes: int) -> None:
    """Mark view served_short (logged once) when its range held fewer blocks than asked,
    short of the height it claims: an honest range stops short only at its byte bound, past
    16 MiB less one block of at most 8 MiB with its certificate, so never under a quarter
    of the bound (node/chain_view.py block_range_json)."""
    if served >= asked or first + served > view.height or view.served_short:
        return
    if content_bytes >= BLOCK_RANGE_BYTES_MAX // 4:
        return
    view.served_short = True
    log.info(
        "%s served %d of blocks %d..%d, short of its height %d: asked after the other"
        " peers for %.0f s",
        view.url,
        served,
        first,
        first + asked - 1,
        view.height,
        RETRY_UNSERVED_S,
        extra=view.fields(),
    )
