"""`lantan audit --replay` verifies blocks' signatures in a worker process a few heights ahead
of the replay and answers the replay's verify port from it (client/cli/audit_ahead.py): the
same answer as verify_signature for every triple, without verifying again only for a triple
the worker found valid for the block about to be replayed. The triples come from the block
the audit parsed ahead, and the replay executes that parse."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from client.audit.chain_audit import ChainAudit, ServedBlock
from client.audit.fetch import FetchFailure, served_block
from client.cli import audit_ahead
from client.cli.audit_ahead import VERIFY_AHEAD_HEIGHTS, SignaturesAhead, verify_pool
from genesis.example.chain_forge import ChainForge
from protocol.block import Block
from protocol.encoding import JsonValue
from protocol.signature_prefetch import SignedTriple, verified_each
from protocol.signing import verify_signature
from protocol.tx import SignedTx
from tests.unit.protocol.test_signature_prefetch import COSIGNER, SENDER, signed_tx

Answers = dict[tuple[str, int], ServedBlock | FetchFailure]


def answers_of(txs: dict[int, list[SignedTx]]) -> Answers:
    answers: Answers = {
        ("http://a", height): ServedBlock(
            node="http://a",
            block={"txs": [tx.to_json() for tx in block]},
            certificate=None,
            results=None,
        )
        for height, block in txs.items()
    }
    answers[("http://b", 1)] = FetchFailure(node="http://b", height=1, missing=True, detail="")
    return answers


HEADER = ChainForge().genesis.header
"""Any header: SignaturesAhead reads only a parsed block's txs."""


def parse_txs(height: int, raw: JsonValue) -> Block | None:
    """ChainAudit.parse_ahead's stand-in for these tests' blocks, which are only their txs."""
    assert isinstance(raw, dict) and isinstance(raw["txs"], list)
    txs = tuple(SignedTx.from_json(tx) for tx in raw["txs"])
    return Block(header=HEADER, txs=txs, evidence=())


def triple(tx: SignedTx, index: int = 0) -> SignedTriple:
    entry = tx.signatures[index]
    return entry.public_key, tx.tx.signing_bytes(), entry.signature


class Counted:
    """verify_signature, counting the calls: how often the port verified for real."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        self.calls += 1
        return verify_signature(public_key, message, signature)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    counted = Counted()
    monkeypatch.setattr(audit_ahead, "verify_signature", counted)
    return counted


class Recording(Executor):
    """Runs each job at once on the calling thread and records how many triples it got."""

    def __init__(self) -> None:
        self.jobs: list[int] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.jobs.append(len(args[0]))
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_heights_ahead_are_sent_once_and_the_next_height_answers_without_verifying(
    counted: Counted,
) -> None:
    txs = {height: [signed_tx(height, SENDER)] for height in range(1, 7)}
    pool = Recording()
    ahead = SignaturesAhead(pool)
    ahead.wait(1, answers_of(txs), parse_txs)
    ahead.wait(2, answers_of(txs), parse_txs)
    assert pool.jobs == [1] * (2 + VERIFY_AHEAD_HEIGHTS)
    assert ahead.verify(*triple(txs[2][0]))
    assert counted.calls == 0
    # Height 1's answers are gone once height 2 is replayed, and height 3's not yet taken.
    assert ahead.verify(*triple(txs[1][0]))
    assert ahead.verify(*triple(txs[3][0]))
    assert counted.calls == 2


def test_every_answer_is_verify_signatures_own(counted: Counted) -> None:
    cosigned = signed_tx(1, SENDER, COSIGNER)
    bad: Any = signed_tx(2, SENDER).to_json()
    bad["signatures"][0]["signature"] = "00" * 64
    block: JsonValue = {"txs": [cosigned.to_json(), bad]}
    served = ServedBlock(node="http://a", block=block, certificate=None, results=None)
    answers: Answers = {("http://a", 1): served}
    ahead = SignaturesAhead(Recording())
    ahead.wait(1, answers, parse_txs)
    key, message, signature = triple(cosigned)
    asked = [
        (key, message, signature),
        (key, message + b"!", signature),
        (cosigned.signatures[1].public_key, message, signature),
        (key, message, bytes(64)),
        triple(SignedTx.from_json(bad)),
        triple(cosigned, 1),
    ]
    assert [ahead.verify(*t) for t in asked] == [verify_signature(*t) for t in asked]
    assert [ahead.verify(*t) for t in asked] == [True, False, False, False, False, True]
    # Only the two triples the worker found valid were answered without verifying, once.
    assert counted.calls == 2 * len(asked) - 2


class Broken(Executor):
    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("the worker died"))
        return future


def test_a_dead_worker_leaves_every_signature_to_the_replay(counted: Counted) -> None:
    txs = {height: [signed_tx(height, SENDER)] for height in range(1, 7)}
    pool = Broken()
    ahead = SignaturesAhead(pool)
    ahead.wait(1, answers_of(txs), parse_txs)
    ahead.wait(2, answers_of(txs), parse_txs)
    assert pool.submitted == 1 + VERIFY_AHEAD_HEIGHTS
    assert ahead.verify(*triple(txs[2][0]))
    assert counted.calls == 1


def test_the_worker_is_a_process_that_verifies() -> None:
    good = signed_tx(1, SENDER)
    wrong = (triple(good)[0], b"another message", triple(good)[2])
    with verify_pool() as pool:
        assert pool.submit(verified_each, [triple(good), wrong]).result() == [True, False]
        # Ctrl-C is the audit's to report: the worker ignores it (no traceback of its own).
        assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
        assert pool.submit(signal.getsignal, signal.SIGTERM).result() == signal.SIG_IGN
    with ThreadPoolExecutor(1) as threads:
        ahead = SignaturesAhead(threads)
        ahead.wait(1, answers_of({1: [good]}), parse_txs)
        assert ahead.verify(*triple(good))


def test_a_block_that_does_not_parse_leaves_its_signatures_to_the_replay(
    counted: Counted,
) -> None:
    txs = {1: [signed_tx(1, SENDER)]}
    pool = Recording()
    ahead = SignaturesAhead(pool)
    ahead.wait(1, answers_of(txs), lambda height, raw: None)
    assert pool.jobs == [0]
    assert ahead.verify(*triple(txs[1][0]))
    assert counted.calls == 1


def test_the_replay_executes_the_parse_its_signatures_were_taken_from(
    counted: Counted, monkeypatch: pytest.MonkeyPatch
) -> None:
    forge = ChainForge()
    forge.grow(4, txs_per_block=3)
    served = [served_block("http://a", forged.answer()) for forged in forge.blocks]
    answers: Answers = {("http://a", height): s for height, s in enumerate(served, start=1)}
    parsed: list[JsonValue] = []
    from_json = Block.from_json

    def parse(raw: JsonValue) -> Block:
        parsed.append(raw)
        return from_json(raw)

    monkeypatch.setattr(Block, "from_json", parse)
    ahead = SignaturesAhead(Recording())
    audit = ChainAudit(forge.genesis, replay=True, replay_verify=ahead.verify)
    for height, answer in enumerate(served, start=1):
        ahead.wait(height, answers, audit.parse_ahead)
        audit.add_height([answer])
    assert audit.report().clean and audit.report().tx_count == 12
    # Each block parsed once, and every tx signature answered from the worker's results.
    assert len(parsed) == len(forge.blocks)
    assert counted.calls == 0


SIGTERM_DURING_AN_AUDIT = """
import os, signal, sys, time
from contextlib import ExitStack
from client.cli.audit_ahead import verify_pool
from genesis.commands import guarded, terminate_as_interrupt

def audit(_args):
    with ExitStack() as stack:  # as run_audit holds the pool
        stack.enter_context(terminate_as_interrupt())
        pool = stack.enter_context(verify_pool())
        pool.submit(int).result()
        os.killpg(0, signal.SIGTERM)  # as `kill -TERM -PGID` or a service manager does
        time.sleep(30)
    return 0

if __name__ == "__main__":
    sys.exit(guarded("audit", audit, (KeyboardInterrupt,))(None))
"""


def test_sigterm_during_an_audit_shuts_the_worker_down_and_exits_143(tmp_path: Path) -> None:
    # The walkthrough's finding 8: SIGTERM killed the audit at once, and the resource
    # tracker warned of the worker pool's leaked semaphore objects.
    script = tmp_path / "audit_sigterm.py"
    script.write_text(SIGTERM_DURING_AN_AUDIT)
    finished = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        cwd=Path(__file__).parents[3],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,  # its own process group, which it signals
    )
    assert (finished.returncode, finished.stderr) == (143, "lantan audit: error: terminated\n")
