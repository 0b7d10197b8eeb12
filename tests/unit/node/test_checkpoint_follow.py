"""node/checkpoint_follow.py: an observer keeps a peer's checkpoint only once it verified it
against its own log; a tampered, unsynced or short note is refused, logged, never kept."""

import asyncio
import base64
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from node.api.routes.proofs import pending_detail
from node.chain_events import ChainEvents
from node.checkpoint_follow import (
    NOTE_BYTES_MAX,
    CheckpointFollower,
    CheckpointProblem,
    LocalLog,
    Refusal,
    VerifiedCheckpoint,
    check_note,
    local_log,
)
from node.checkpoints import CheckpointBook
from node.cosignatures import CosignatureThrottledError
from node.ledger import Ledger
from node.mempool import Mempool
from node.service import NodeService
from protocol.cosignature import cosign
from protocol.hashing import sha256
from protocol.note import checkpoint_at_height, format_signed_note, sign_note
from protocol.signing import SigningKey
from protocol.witnesses import Witness, WitnessSet
from tests.fakes.manual_clock import NodeClock
from tests.unit.node.chain_kit import CHAIN_ID, KEYS, VALIDATOR_NAMES, build_and_commit, open_ledger

PEER, OTHER = "http://peer.test", "http://other.test"
HEIGHT = 4
WITNESS_KEY = SigningKey(sha256(b"test witness"))
WITNESSES = WitnessSet(
    witnesses=(Witness(name="court-witness", public_key=WITNESS_KEY.public_key),), quorum=1
)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = open_ledger(tmp_path / "observer")
    for _ in range(HEIGHT):
        build_and_commit(opened)
    yield opened
    opened.store.close()


@pytest.fixture
def service(ledger: Ledger) -> NodeService:
    return NodeService(
        name="court-observer",
        ledger=ledger,
        mempool=Mempool(),
        events=ChainEvents(),
        checkpoints=CheckpointBook(ledger.chain_id, ledger.store),
        clock=NodeClock(1_700_000_100_000),
        transport=None,
        runtime=None,
    )


def note_of(
    size: int, root: bytes, signers: tuple[str, ...] = VALIDATOR_NAMES, extra: str = ""
) -> bytes:
    text = checkpoint_at_height(chain_id=CHAIN_ID, height=size - 1, root_hash=root).body()
    lines = [sign_note(text, name, KEYS[name]) for name in signers]
    return (format_signed_note(text, lines) + extra).encode()


def head_note(ledger: Ledger, **options: object) -> bytes:
    size = ledger.height + 1
    return note_of(size, ledger.history_root(size), **options)  # type: ignore[arg-type]


def local(ledger: Ledger, witnesses: WitnessSet | None = None) -> LocalLog:
    return local_log(ledger, witnesses)


class Peers:
    """A fake bounded GET: answers by URL, records what was asked and with what bound."""

    def __init__(self, answers: dict[str, tuple[int, bytes] | Exception]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, int]] = []

    async def fetch(self, url: str, limit: int) -> tuple[int, bytes]:
        self.asked.append((url, limit))
        answer = self.answers.get(url, (404, b""))
        if isinstance(answer, Exception):
            raise answer
        return answer


def follow(
    service: NodeService,
    peers: Peers,
    urls: tuple[str, ...] = (PEER,),
    follower: CheckpointFollower | None = None,
) -> int:
    if follower is None:
        follower = CheckpointFollower(service, lambda: list(urls), peers.fetch)
    return asyncio.run(follower.follow())


def test_an_observer_keeps_its_heads_quorum_note_and_serves_it_from_its_store(
    ledger: Ledger, service: NodeService
) -> None:
    size = ledger.height + 1
    assert service.latest_checkpoint() is None and service.receipt_checkpoint() is None
    peers = Peers({f"{PEER}/v1/checkpoints/latest": (200, head_note(ledger))})
    assert follow(service, peers) == 1
    latest = service.latest_checkpoint()
    assert latest is not None and latest[0] == size
    # The book orders the lines by key, as a validator's served note.
    assert sorted(latest[1].splitlines()) == sorted(head_note(ledger).decode().splitlines())
    assert service.receipt_checkpoint() == latest
    kept = ledger.store.get_checkpoint_note()
    assert kept is not None and kept[0] == size  # durable, as a validator's quorum note
    assert all(limit <= NOTE_BYTES_MAX for _, limit in peers.asked)
    # Held now: the next round asks no peer.
    peers.asked.clear()
    assert follow(service, peers) == 0 and peers.asked == []


def test_a_note_beyond_the_synced_log_is_not_kept_and_the_synced_size_is_asked_for(
    ledger: Ledger, service: NodeService, caplog: pytest.LogCaptureFixture
) -> None:
    size = ledger.height + 1
    ahead = note_of(size + 3, sha256(b"a root this node cannot know yet"))
    assert isinstance(problem := check_note(ahead, local(ledger)), CheckpointProblem)
    assert problem.refusal is Refusal.NOT_SYNCED
    peers = Peers({f"{PEER}/v1/checkpoints/latest": (200, ahead)})
    with caplog.at_level(logging.INFO, logger="lantan.checkpoints"):
        assert follow(service, peers) == 0
    assert [url for url, _ in peers.asked] == [
        f"{PEER}/v1/checkpoints/latest",
        f"{PEER}/v1/checkpoints/{size}",
    ]
    assert service.latest_checkpoint() is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    peers.answers[f"{PEER}/v1/checkpoints/{size}"] = (200, head_note(ledger))
    assert follow(service, peers) == 1


def tampered_notes(ledger: Ledger) -> dict[Refusal, bytes]:
    size = ledger.height + 1
    good = head_note(ledger).decode()
    text, _, lines = good.partition("\n\n")
    first, rest = lines.split("\n", 1)
    name, encoded = first.removeprefix("— ").split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    flipped = f"— {name} {base64.b64encode(bytes(raw)).decode()}"
    return {
        Refusal.ROOT_MISMATCH: note_of(size, sha256(b"another history")),
        Refusal.BAD_NOTE: f"{text}\n\n{flipped}\n{rest}".encode(),
        Refusal.QUORUM: head_note(ledger, signers=VALIDATOR_NAMES[:1]),
        Refusal.WRONG_CHAIN: note_of(size, ledger.history_root(size)).replace(
            CHAIN_ID.hex().encode(), bytes(64).hex()[:64].encode()
        ),
    }


@pytest.mark.parametrize(
    "refusal", [Refusal.ROOT_MISMATCH, Refusal.BAD_NOTE, Refusal.QUORUM, Refusal.WRONG_CHAIN]
)
def test_a_tampered_note_is_refused_logged_once_with_its_height_and_never_kept(
    ledger: Ledger, service: NodeService, caplog: pytest.LogCaptureFixture, refusal: Refusal
) -> None:
    size = ledger.height + 1
    tampered = tampered_notes(ledger)[refusal]
    problem = check_note(tampered, local(ledger))
    assert isinstance(problem, CheckpointProblem) and problem.refusal is refusal, problem
    peers = Peers({f"{PEER}/v1/checkpoints/latest": (200, tampered)})
    follower = CheckpointFollower(service, lambda: [PEER], peers.fetch)
    with caplog.at_level(logging.WARNING, logger="lantan.checkpoints"):
        assert follow(service, peers, follower=follower) == 0
        assert follow(service, peers, follower=follower) == 0  # asked again, not logged again
    (record,) = [r for r in caplog.records if r.name == "lantan.checkpoints"]
    assert record.__dict__["height"] == size - 1
    assert record.__dict__["reason"] == refusal.value
    assert record.__dict__["peer"] == PEER
    assert service.latest_checkpoint() is None
    assert ledger.store.get_checkpoint_note() is None
    assert service.checkpoints.signed_note(size, 1) is None


def test_one_failing_and_one_lying_peer_do_not_stop_the_round(
    ledger: Ledger, service: NodeService
) -> None:
    third = "http://third.test"
    peers = Peers(
        {
            f"{PEER}/v1/checkpoints/latest": httpx.ConnectError("refused"),
            f"{OTHER}/v1/checkpoints/latest": (200, tampered_notes(ledger)[Refusal.ROOT_MISMATCH]),
            f"{third}/v1/checkpoints/latest": (200, b"\xff not a note"),
        }
    )
    assert follow(service, peers, (PEER, OTHER, third)) == 0
    peers.answers[f"{third}/v1/checkpoints/latest"] = (200, head_note(ledger))
    assert follow(service, peers, (PEER, OTHER, third)) == 1
    assert service.latest_checkpoint() is not None


def test_an_older_synced_size_is_kept_against_the_root_at_that_size(
    ledger: Ledger, service: NodeService
) -> None:
    size = ledger.height  # one below the head's: the peer's newest note
    older = note_of(size, ledger.history_root(size))
    checked = check_note(older, local(ledger))
    assert isinstance(checked, VerifiedCheckpoint) and checked.checkpoint.size == size
    assert follow(service, Peers({f"{PEER}/v1/checkpoints/latest": (200, older)})) == 1
    assert service.checkpoint_note(size) is not None


def test_witness_lines_are_verified_and_a_bad_one_refuses_the_note(ledger: Ledger) -> None:
    size = ledger.height + 1
    text = checkpoint_at_height(
        chain_id=CHAIN_ID, height=size - 1, root_hash=ledger.history_root(size)
    ).body()
    line = cosign(text, "court-witness", WITNESS_KEY, 1_700_000_000).note_signature()
    cosigned = head_note(ledger, extra=line.line())
    checked = check_note(cosigned, local(ledger, WITNESSES))
    assert isinstance(checked, VerifiedCheckpoint)
    assert [w.name for w in checked.witness_lines] == ["court-witness"]
    assert len(checked.validator_lines) == len(VALIDATOR_NAMES)
    forged = dataclasses.replace(line, signature=bytes(64)).line()
    problem = check_note(head_note(ledger, extra=forged), local(ledger, WITNESSES))
    assert isinstance(problem, CheckpointProblem)
    assert problem.refusal is Refusal.BAD_COSIGNATURE


def test_checkpoint_pending_names_witnesses_only_when_genesis_asks_for_them() -> None:
    assert "witness" not in pending_detail(None)
    assert "quorum" in pending_detail(None)
    assert "2 witness cosignature" in pending_detail(2)


def test_a_witness_past_its_line_budget_defers_its_lines_and_ends_no_round(
    ledger: Ledger, service: NodeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a witness's lines over its budget (429 to a client) raised out of the round,
    so an observer catching up on notes lost the round to a traceback each time."""
    size = ledger.height + 1
    text = checkpoint_at_height(
        chain_id=CHAIN_ID, height=size - 1, root_hash=ledger.history_root(size)
    ).body()
    line = cosign(text, "court-witness", WITNESS_KEY, 1_700_000_000).note_signature()
    peers = Peers({f"{PEER}/v1/checkpoints/latest": (200, head_note(ledger, extra=line.line()))})

    def over_budget(*_: object, **__: object) -> None:
        raise CosignatureThrottledError("court-witness has sent more than 2 lines a second")

    follower = CheckpointFollower(service, lambda: [PEER], peers.fetch)
    monkeypatch.setattr(follower, "_local", lambda: local(ledger, WITNESSES))
    monkeypatch.setattr(service, "add_cosignature", over_budget)
    assert follow(service, peers, follower=follower) == 1  # the validators' note is kept
    latest = service.latest_checkpoint()
    assert latest is not None and latest[0] == size
