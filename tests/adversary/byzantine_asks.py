"""Asks that make an honest node send blocks: status messages naming old heights (each one
answered with up to catchup_batch commits, consensus/catchup.py) and block requests
(answered with the whole proposal, consensus/intake.py). Each ask is a few hundred bytes
and one signature check; each answer a block, encoded and signed on the honest node's
event loop. The test counts what comes back."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from node.peer_envelope import PeerKind
from tests.adversary.byzantine_noise import NoiseAttacks
from tests.adversary.byzantine_peer import FLOOD_THREADS, Reply

STALL_S = 4.0
"""How long our port holds each consensus POST while asking (an honest sender's timeout is
5 s): what we asked for piles up in the honest node's queue to us."""
OLD_HEIGHTS = 15
"""Heights below the head an ask names, in turn: within the engine's decisions_kept (16)."""


def pause_answer() -> None:
    time.sleep(STALL_S)


class AskAttacks(NoiseAttacks):
    """Asks for blocks the honest nodes answer, sent without pause."""

    stall_answers = False
    """Set while asking with stall: our port answers consensus POSTs STALL_S late."""

    def ask_flood(self, seconds: float, stall: bool = False) -> Reply:
        """For `seconds`, status messages naming each of the OLD_HEIGHTS heights below the
        head in turn, to every honest node; returns the asks sent and the commits and
        block-carrying messages received back (their count and bytes)."""
        head = self.working_height() - 1
        before = self._answers()
        deadline = time.monotonic() + seconds
        sent = 0
        lock = threading.Lock()

        def worker(offset: int) -> None:
            nonlocal sent
            index = offset
            while time.monotonic() < deadline:
                height = max(1, head - index % OLD_HEIGHTS)
                data = self.seal(PeerKind.CONSENSUS, {"kind": "status", "height": height})
                for peer in self.peers:
                    self.post(peer, PeerKind.CONSENSUS, data)
                index += FLOOD_THREADS
                with lock:
                    sent += 1

        self.stall_answers = stall
        try:
            with ThreadPoolExecutor(FLOOD_THREADS) as pool:
                list(pool.map(worker, range(FLOOD_THREADS)))
        finally:
            self.stall_answers = False
        with self._lock:
            self.sent.clear()  # not kept for replays: thousands of envelopes
        time.sleep(2)  # answers still on their way
        count, size = self._answers()
        return {"asks": sent, "answers": count - before[0], "answer_bytes": size - before[1]}

    def _answers(self) -> tuple[int, int]:
        with self._lock:
            return self.answers_received, self.answer_bytes_received
