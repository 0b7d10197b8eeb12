"""Block sync: a lagging, restarted, wiped or observer node fetches certified blocks.

It reads peers' public /v1 API (so observers need no validator key), verifies each
block's certificate against the validator set it tracks from genesis, re-executes it and
commits it (Ledger.commit_certified: idempotent, since consensus may have committed it
first). Blocks come a range at a time (GET /v1/blocks/range): the next range is on its way,
and the blocks next in line are parsed (once, on the worker, which executes that parse)
and their txs' signatures verified in a process of the node's far behind
(node/sync_ahead.py), else on a thread of their own (the signature cache of the ledger's
verify port keeps them), while the worker executes the current one. It
also watches for a second valid certificate at a height this node committed: a
fork, after which the node halts (DESIGN.md §4). Responses are read with a byte bound as
they stream in and a deadline for the whole answer: a peer cannot make this node buffer
more than one block's worth, nor hold a poll. What the served bytes are checked for
before execution (range entries, canonical payloads, certificates): node/sync_blocks.py.
"""

import asyncio
import functools
import itertools
import logging
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from contracts.validator_sets import current_validator_set
from node.ledger import ForkError, InvalidProposalError, Ledger, header_of_payload
from node.peer_errors import describe_peer_error
from node.peer_tasks import PeerTasks
from node.storage.smt_top import CATCH_UP_LEVELS
from node.sync_ahead import SignaturesAhead
from node.sync_blocks import (
    FetchedBlock,
    RangeRefusedError,
    double_sign_evidence,
    parse_if_certified,
    parse_range,
)
from protocol.block_check import BodyChecked
from protocol.certificate_check import verify_certificate
from protocol.encoding import (
    decode,
    encode,
)
from protocol.errors import ProtocolError
from protocol.fields import is_decimal
from protocol.signature_prefetch import signed_triples, verify_signatures
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate

log = logging.getLogger("lantan.sync")
T = TypeVar("T")
Worker = Callable[..., Awaitable[Any]]
SYNC_INTERVAL_S = 0.5
SYNC_BATCH_BLOCKS = 256
RESPONSE_BYTES_MAX = 16 * 1024 * 1024
"""A block response is at most one block (8 MiB) plus its certificate, in JSON; a peer
serving more is refused while the bytes stream in, not after they are all in memory."""
STATUS_BYTES_MAX = 64 * 1024
BLOCK_RANGE_LIMIT_MAX = 64
"""GET /v1/blocks/range serves at most this many blocks per request..."""
BLOCK_RANGE_BYTES_MAX = 16 * 1024 * 1024
"""...and adds no block once the stored bytes of its blocks and certificates would pass
this (a single block, at most 8 MiB, is always served)."""
RANGE_RESPONSE_BYTES_MAX = BLOCK_RANGE_BYTES_MAX + 64 * 1024
"""A range response: the stored bytes above plus the JSON around each of at most
BLOCK_RANGE_LIMIT_MAX blocks; refused while it streams in once it passes this."""
STATUS_DEADLINE_S = 5.0
"""The whole of a status answer, from the request to its last byte. httpx's timeout (5 s)
bounds each read alone: a peer that sent a byte every 3 s held a poll for ever (a hostile
validator did so, and a restarting validator never got past its first catch-up)."""
BODY_DEADLINE_S = 30.0
"""The same for a block or a range of blocks (up to ~16 MiB: at least ~0.5 MB/s). A peer
that drips a range costs a catch-up round this once, then the next peer is asked."""
RETRY_UNSERVED_S = 10.0
"""How long a peer that served nothing in its last catch-up round (it claimed to be ahead)
is not asked again: the others are asked first meanwhile (catch_up)."""
HEAD_DEADLINE_S = 10.0
"""From a request to its answer's headers: a peer builds a range (up to 16 MiB) before it
sends them, well within this."""
MIN_BODY_BYTES_PER_S = 512 * 1024
BODY_GRACE_S = 2.0
"""Once the headers are in, an answer's bytes must keep coming: at least MIN_BODY_BYTES_PER_S
on average after the first BODY_GRACE_S (BODY_DEADLINE_S asks as much of a whole range).
A peer that sent the start of a range and then stopped (a hostile validator claiming the
highest head, asked first at a restart) held that catch-up the whole BODY_DEADLINE_S."""
POLL_WAIT_S = 1.0
"""How long a sync round waits for its peers' status answers. A peer slower than that keeps
its last view until its own poll ends (within STATUS_DEADLINE_S), and holds no one else's
round: the others are acted on meanwhile."""
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


class PeerAnswerError(Exception):
    """A peer's answer was refused while it came in (BlockSync.get_bounded)."""


class ResponseTooLargeError(PeerAnswerError):
    """A peer's response exceeded the bound for its kind."""


class ResponseTooSlowError(PeerAnswerError):
    """A peer's response did not end within its deadline."""


@dataclass
class PeerView:
    url: str
    height: int = -1
    head_hash: str = ""
    reachable: bool = False
    last_error: str = ""
    credible: bool = True
    """False once a catch-up round found nothing to fetch from the peer though it claimed to
    be ahead (a hostile validator claiming +1000): readiness then leaves its height out. Set
    again only by a round that fetched blocks from it: a peer that lied, then claimed our
    height, then lied again, each poll, was believed again at every truthful claim and kept
    every node's /readyz flapping at "syncing: 999,960 blocks behind"."""
    retry_at: float = 0.0
    """While not credible: the monotonic time before which catch-up does not ask it."""

    def fields(self) -> dict[str, object]:
        """Structured fields for the JSON log line about this peer."""
        return {"peer": self.url, "peer_height": self.height}


@dataclass
class SyncState:
    peers: dict[str, PeerView] = field(default_factory=dict)
    caught_up: bool = False
    """Set once the catch-up at start is over; until then consensus has not started."""
    fork: str | None = None
    fork_evidence: dict[str, object] | None = None
    """Both certified headers of the fork, served at /v1/fork as transferable evidence."""
    """Set when a peer holds a validly certified block that differs from ours."""

    def highest_peer_height(self) -> int:
        return max((p.height for p in self.peers.values() if p.reachable), default=-1)

    def highest_credible_height(self) -> int:
        """highest_peer_height of the peers whose claims to be ahead held when fetched."""
        return max(
            (p.height for p in self.peers.values() if p.reachable and p.credible), default=-1
        )

    def reachable_count(self) -> int:
        return sum(1 for p in self.peers.values() if p.reachable)


def _task_failed(view: PeerView, what: str) -> Callable[[BaseException], None]:
    """What to do when a task of view's (what: "status poll", "fork check") ends on an
    error its work does not expect (node/peer_tasks.py): said once, and the peer counts as
    unreachable until its next poll answers."""

    def report(error: BaseException) -> None:
        view.reachable, view.last_error = False, describe_peer_error(error)
        log.error("%s of %s failed", what, view.url, exc_info=error)

    return report


class BlockSync:
    """Follows peers' heads and applies the certified blocks this node lacks."""

    def __init__(
        self,
        ledger: Ledger,
        peer_urls: list[str],
        run_in_worker: Worker,
        *,
        verify: ssl.SSLContext | bool = True,
        signatures_ahead: SignaturesAhead | None = None,
    ) -> None:
        self.ledger = ledger
        self.state = SyncState(peers={url: PeerView(url=url) for url in peer_urls})
        self._run = run_in_worker
        self._client = httpx.AsyncClient(timeout=5.0, verify=verify)
        self._polls = PeerTasks()
        """Each peer's status poll (poll_peers)."""
        self._fork_checks = PeerTasks()
        """Each peer's fork confirmation (check_fork)."""
        self._ahead_pool: ThreadPoolExecutor | None = None
        self._signatures_ahead = signatures_ahead
        """The process verifying blocks' tx signatures ahead far behind (node/sync_ahead.py;
        the node has one); without it, or once it failed, the thread ahead verifies them."""
        self._verifying: SignaturesAhead | None = None
        """signatures_ahead while a catch-up far behind runs."""
        self._far = False
        """Whether this catch-up round runs far behind (_go_far)."""
        self._committed_this_round = 0
        self.on_reachable: list[Callable[[str], None]] = []
        """Told a peer's url when a poll finds it answering after it did not (or at first
        contact): a validator sends it its current round's messages (node/runtime.py)."""

    def _ahead(self) -> ThreadPoolExecutor:
        """The thread that splits fetched ranges and verifies their signatures when no
        process does, beside the worker (made on first use)."""
        if self._ahead_pool is None:
            self._ahead_pool = ThreadPoolExecutor(1, thread_name_prefix="lantan-sync-ahead")
        return self._ahead_pool

    async def close(self) -> None:
        self._polls.cancel()
        self._fork_checks.cancel()
        await self._client.aclose()
        if self._ahead_pool is not None:
            self._ahead_pool.shutdown(wait=False, cancel_futures=True)
            self._ahead_pool = None
        if self._signatures_ahead is not None:
            self._signatures_ahead.close()

    async def poll_peers(self, wait_s: float | None = None) -> None:
        """Poll every peer whose last poll is over, and wait at most wait_s (default
        POLL_WAIT_S) for them all: a peer that answers slowly (far away, overloaded, or
        hostile) updates its view when its answer ends, and the round goes on with the
        others' meanwhile."""
        for view in self.state.peers.values():
            self._polls.start(
                view.url, functools.partial(self._poll, view), _task_failed(view, "status poll")
            )
        await self._polls.wait(POLL_WAIT_S if wait_s is None else wait_s)

    async def _poll(self, view: PeerView) -> None:
        was_reachable = view.reachable
        try:
            _, content = await self.get_bounded(
                f"{view.url}/v1/status", STATUS_BYTES_MAX, deadline_s=STATUS_DEADLINE_S
            )
            status = decode(content)
            assert isinstance(status, dict)
            height, head_hash = status["height"], status["head_hash"]
            assert isinstance(height, int) and isinstance(head_hash, str)
            view.height, view.head_hash = height, head_hash
            view.reachable = True
        except (httpx.HTTPError, ProtocolError, PeerAnswerError, AssertionError) as error:
            view.reachable, view.last_error = False, describe_peer_error(error)
        except KeyError as error:
            view.reachable, view.last_error = False, f"status without {error}"
        if view.reachable and not was_reachable:
            log.info("peer %s reachable at height %d", view.url, view.height, extra=view.fields())
            for hook in self.on_reachable:
                hook(view.url)
        elif was_reachable and not view.reachable:
            log.warning(
                "peer %s unreachable: %s", view.url, view.last_error[:200], extra=view.fields()
            )

    async def get_bounded(
        self, url: str, limit: int, *, deadline_s: float | None = None
    ) -> tuple[int, bytes]:
        """GET url; the status and body, refused as soon as the body passes limit bytes
        (ResponseTooLargeError) or the answer has not ended deadline_s (BODY_DEADLINE_S)
        after the request (ResponseTooSlowError). Also the observer's checkpoint fetches
        use it."""
        if deadline_s is None:
            deadline_s = BODY_DEADLINE_S
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline_s
        why = f"no whole answer within {deadline_s:g} s"
        try:
            async with asyncio.timeout_at(min(end, loop.time() + HEAD_DEADLINE_S)) as timer:
                return await self._get_bounded(url, limit, timer, end)
        except TimeoutError:
            # Which bound passed: the whole answer's, or the pace its bytes must keep.
            if loop.time() < end:
                why = f"its bytes stopped coming (under {MIN_BODY_BYTES_PER_S} a second)"
            raise ResponseTooSlowError(f"{url}: {why}") from None

    async def _get_bounded(
        self, url: str, limit: int, timer: asyncio.Timeout, end: float
    ) -> tuple[int, bytes]:
        """The request within timer, which the body's pace moves on: never past end."""
        loop = asyncio.get_running_loop()
        async with self._client.stream("GET", url) as response:
            declared = response.headers.get("content-length")
            if declared is not None and is_decimal(declared) and int(declared) > limit:
                raise ResponseTooLargeError(f"{url}: {declared} bytes declared")
            began = loop.time()
            timer.reschedule(min(end, began + BODY_GRACE_S))
            chunks, total = [], 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    raise ResponseTooLargeError(f"{url}: over {limit} bytes")
                chunks.append(chunk)
                timer.reschedule(min(end, began + BODY_GRACE_S + total / MIN_BODY_BYTES_PER_S))
            return response.status_code, b"".join(chunks)

    async def catch_up(self, lag_allowed: int) -> int:
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
            # Highest first, but a peer whose last round served nothing after the others,
            # and again only RETRY_UNSERVED_S later: one that claimed a few blocks more than
            # the rest and dripped its ranges held every round BODY_DEADLINE_S (30 s) before
            # the honest peers were asked.
            now = time.monotonic()
            for view in sorted(
                self.state.peers.values(), key=lambda v: (not v.credible, -v.height)
            ):
                if not view.credible and now < view.retry_at:
                    continue
                while view.reachable and view.height > self.ledger.height + lag_allowed:
                    count = await self._fetch_and_apply(view)
                    view.credible = count > 0
                    if count == 0:
                        view.retry_at = time.monotonic() + RETRY_UNSERVED_S
                        break
                    applied += count
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
        if view.height - self.ledger.height <= FAR_BEHIND_BLOCKS:
            return
        self._far = True
        await self._hold_tree_levels(CATCH_UP_LEVELS)
        self._verifying = self._signatures_ahead
        if self._verifying is not None:
            self._verifying.warm()

    async def _hold_tree_levels(self, levels: int | None) -> None:
        """The store's held tree levels (None: its own), changed on the worker, between
        commits; no trip to the worker when they are already so."""
        store = self.ledger.store
        if store.held_tree_levels != (store.own_tree_levels if levels is None else levels):
            await self._run(store.hold_tree_levels, levels)

    async def _fetch_and_apply(self, view: PeerView) -> int:
        """Apply up to SYNC_BATCH_BLOCKS of the peer's blocks, a range at a time, the next
        range fetched while this one executes. A bad answer or block stops this peer's
        round (catch_up goes on with the next peer); the blocks before it stay applied."""
        first = self.ledger.height + 1
        last = min(view.height, first + SYNC_BATCH_BLOCKS - 1)
        applied = 0
        pending = self._fetch_ahead(view, first, last)
        try:
            while pending is not None:
                # A queue _apply_blocks empties as it commits: nothing else holds the blocks,
                # so each one's parsed form is freed once it is committed.
                blocks = deque(await pending or ())
                pending = None
                if not blocks:
                    break
                first += len(blocks)
                pending = self._fetch_ahead(view, first, last)
                wrote, whole = await self._apply_blocks(view, blocks)
                applied += wrote
                if not whole:
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

    async def _apply_blocks(
        self, view: PeerView, blocks: "deque[FetchedBlock]"
    ) -> tuple[int, bool]:
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
        validators = current_validator_set(self.ledger.store.state)
        verify = self.ledger.verify
        parsed: BodyChecked | None = await self._run(
            parse_if_certified, verify, self.ledger.chain_id, validators, fetched
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
        block = self.ledger.commit_certified(
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
            status, content = await self.get_bounded(url, RANGE_RESPONSE_BYTES_MAX)
            if status != 200:
                single = await self._fetch_block(view, first)
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
        if blocks:
            # Parsed and verified while the blocks before it execute.
            self._start(blocks[0])
        return blocks

    async def _fetch_block(
        self, view: PeerView, height: int
    ) -> tuple[bytes, CommitCertificate] | None:
        try:
            url = f"{view.url}/v1/blocks/{height}"
            status, content = await self.get_bounded(url, RESPONSE_BYTES_MAX)
            if status != 200:
                return None
            body = decode(content)
            assert isinstance(body, dict)
            certificate = CommitCertificate.from_json(body["certificate"])
            return encode(body["block"]), certificate
        except (
            httpx.HTTPError,
            ProtocolError,
            PeerAnswerError,
            KeyError,
            AssertionError,
        ) as error:
            log.info(
                "fetching block %d from %s failed: %s", height, view.url, describe_peer_error(error)
            )
            return None

    async def check_fork(self, wait_s: float | None = None) -> None:
        """Compare heads at our height; a different, validly certified block is a fork.

        Each peer claiming another head is asked for its block beside the sync rounds, one
        ask per peer at a time, and a round waits at most wait_s (default POLL_WAIT_S) for
        them: a hostile validator that claimed our height with another head and dripped
        that block held every sync round BODY_DEADLINE_S (30 s), so an observer or a
        validator fallen behind synced nothing meanwhile. A fork found later is in
        state.fork for the next round."""
        ours = self.ledger.head()
        ours_hash = ours.block_hash().hex()
        for view in self.state.peers.values():
            same_height = view.reachable and view.height == ours.height > 0
            if (
                same_height
                and view.head_hash != ours_hash
                and not self._fork_checks.running(view.url)
            ):
                work = functools.partial(
                    self._confirm_fork, view, ours.height, self._set_for(ours.height)
                )
                self._fork_checks.start(view.url, work, _task_failed(view, "fork check"))
        await self._fork_checks.wait(POLL_WAIT_S if wait_s is None else wait_s)

    async def _confirm_fork(self, view: PeerView, height: int, validators: ValidatorSet) -> None:
        """validators: the set that certified our block at height, taken before the fetch
        (the ledger may move on while the peer answers)."""
        fetched = await self._fetch_block(view, height)
        if fetched is None:
            return
        payload, certificate = fetched
        try:
            verify_certificate(certificate, self.ledger.chain_id, validators)
        except ProtocolError:
            return
        mine = self.ledger.certificate(height)
        if certificate.height != height or (
            mine is not None and certificate.block_hash == mine.block_hash
        ):
            return  # our own block, or a certificate of another height: no second block
        self.state.fork = (
            f"fork at height {height}: peer {view.url} holds block "
            f"{certificate.block_hash.hex()} with a valid certificate; ours is "
            f"{None if mine is None else mine.block_hash.hex()}"
        )
        theirs = header_of_payload(payload)
        ours = self.ledger.header(height)
        self.state.fork_evidence = {
            "height": height,
            "peer": view.url,
            "ours": {
                "header": None if ours is None else ours.to_json(),
                "certificate": None if mine is None else mine.to_json(),
            },
            "theirs": {
                "header": None if theirs is None else theirs.to_json(),
                "certificate": certificate.to_json(),
            },
        }
        if mine is not None:
            self.state.fork_evidence["double_signers"] = double_sign_evidence(
                self.ledger.chain_id, mine, certificate
            )
        log.critical(self.state.fork)

    def _set_for(self, height: int) -> ValidatorSet:
        """The set that certified our head (state's current set after applying it)."""
        assert height == self.ledger.height
        return current_validator_set(self.ledger.store.state)
