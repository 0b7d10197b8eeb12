"""`lantan audit --replay`: the tx signatures of the next blocks verified in a worker process
while the replay executes this one, so Ed25519 runs on the other core.

Why a process and not a thread: PyNaCl releases the GIL inside each verification, but a
verifying thread needs the GIL back after every signature, and beside a replay that holds
it (pure Python) it gets it only at the interpreter's forced switches, every 5 ms. Measured
with a thread (docs/PERFORMANCE.md, "the collector, and signatures ahead in a process"): the
replay waited 56-62 us per tx for the thread, about the whole cost of a verification, so
the two ran one after the other. A second thread would queue for the same GIL. A process needs the
GIL of neither; the replay only pickles the triples and reads back one bool each.

The triples come from the typed txs of each block parsed ahead (ChainAudit.parse_ahead),
whose signing bytes the replay then executes with: nothing is encoded or parsed twice.
"""

import multiprocessing
import signal
from collections.abc import Callable, Mapping
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from typing import Final

from client.audit.chain_audit import ServedBlock
from client.audit.fetch import FetchFailure
from protocol.block import Block
from protocol.encoding import JsonValue
from protocol.signature_prefetch import SignedTriple, signed_triples, verified_each
from protocol.signing import verify_signature

VERIFY_AHEAD_HEIGHTS: Final = 2
"""With replay, blocks whose signatures are verified ahead of the one replaying."""

ParseAhead = Callable[[int, JsonValue], Block | None]
"""ChainAudit.parse_ahead: a block at a height, parsed now and kept for its replay."""


def verify_pool() -> ProcessPoolExecutor:
    """One worker process for SignaturesAhead, started now (its interpreter and PyNaCl load
    while the audit fetches the nodes' status). Spawned, not forked: the audit already runs
    fetch threads, and a fork copies their locks in whatever state they are. Spawning
    imports the program's main module again, so its entry point must be guarded by
    `if __name__ == "__main__"` (the lantan script and python -m client.cli.main are); if
    the worker cannot start, SignaturesAhead leaves every signature to the replay."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_leave_interrupts_to_the_audit,
    )
    pool.submit(verified_each, [])
    return pool


def _leave_interrupts_to_the_audit() -> None:
    """Ctrl-C (and a SIGTERM sent to the process group) reaches the worker too: the audit
    reports it and shuts the pool down, which ends the worker; the worker itself would only
    print a traceback or, killed, leave the pool broken under the audit's shutdown."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class SignaturesAhead:
    """Verifies the tx signatures of the blocks up to VERIFY_AHEAD_HEIGHTS above the one
    about to be replayed on pool (verify_pool in `lantan audit`), and answers the replay's
    verify port from what it found.

    A shortcut held to the full path: verify() says True without verifying only for a
    triple (key, message, signature) that verify_signature itself found valid in the worker,
    for the block about to be replayed; any other question is verified here. The triples
    come from a block parsed ahead but not checked yet, so a forged one only adds an answer
    no one asks for."""

    def __init__(self, pool: Executor) -> None:
        self._pool = pool
        self._started: dict[int, tuple[list[SignedTriple], Future[list[bool]]]] = {}
        self._valid: set[SignedTriple] = set()
        self._broken = False

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """The verify port (protocol.signing.VerifySignature) the audit's checks ask."""
        triple = (public_key, message, signature)
        if triple in self._valid:
            self._valid.discard(triple)
            return True
        return verify_signature(public_key, message, signature)

    def wait(
        self,
        height: int,
        answers: Mapping[tuple[str, int], ServedBlock | FetchFailure],
        parse: ParseAhead,
    ) -> None:
        """Start verifying heights height..height + VERIFY_AHEAD_HEIGHTS that are in
        answers: the first node's block, parsed with parse (the audit's parse_ahead, so the
        replay executes that very parse). Then take height's results for verify()."""
        served_at: dict[int, list[ServedBlock]] = {}
        for (_, at), answer in answers.items():
            if isinstance(answer, ServedBlock):
                served_at.setdefault(at, []).append(answer)
        for ahead in range(height, height + VERIFY_AHEAD_HEIGHTS + 1):
            if not self._broken and ahead not in self._started and ahead in served_at:
                block = parse(ahead, served_at[ahead][0].block)
                triples = [] if block is None else signed_triples(block.txs)
                self._started[ahead] = (triples, self._pool.submit(verified_each, triples))
        # What the last height's replay did not ask about is no one's question any more.
        self._valid.clear()
        started = self._started.pop(height, None)
        if started is None:
            return
        triples, future = started
        try:
            found = future.result()
        except BrokenExecutor:
            # The worker died: the replay verifies every signature itself from here on.
            self._broken = True
            return
        self._valid.update(t for t, valid in zip(triples, found, strict=True) if valid)
