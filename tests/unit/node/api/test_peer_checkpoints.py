"""Checkpoint lines gossiped by a validator (/peer/checkpoint, node/peering.py): only sizes
near this node's head are kept. The book keeps SIZES_KEPT sizes in the order they arrived,
so a Byzantine validator's validly signed lines for SIZES_KEPT sizes far ahead pushed out
every real size's lines, and the committed roots with them (no note of those sizes formed
here any more)."""

import logging

import pytest

from node import checkpoints, peering
from node.checkpoints import SIZES_KEPT
from node.peer_envelope import PeerKind, seal_envelope
from node.peering import FAR_AHEAD_HEIGHTS
from protocol.encoding import JsonObject
from protocol.hashing import Hash32, sha256
from protocol.note import sign_note
from tests.unit.node.api.kit import Api, commit_pending
from tests.unit.node.chain_kit import CHAIN_ID, KEYS, VALIDATOR_NAMES

ROOT = Hash32(sha256(b"root"))
COUNTY, NINGBO, XIAMEN = VALIDATOR_NAMES


def gossip(api: Api, name: str, size: int, root: Hash32 = ROOT) -> None:
    text = api.service.checkpoints.checkpoint(size, root).body()
    line = sign_note(text, name, KEYS[name]).line()
    api.inbox.checkpoint(KEYS[name].public_key, {"size": size, "root": root.hex(), "line": line})


def test_lines_for_sizes_far_ahead_push_out_no_real_size(api: Api) -> None:
    size = api.ledger.height + 1
    book = api.service.checkpoints
    book.set_committed_root(size, ROOT)
    gossip(api, COUNTY, size)
    far = size + 1_000_000
    for offset in range(SIZES_KEPT):
        gossip(api, XIAMEN, far + offset, Hash32(sha256(b"%d" % offset)))
    gossip(api, NINGBO, size)
    assert book.signed_note(size, 2) is not None
    assert api.inbox.dropped["far_ahead"] == SIZES_KEPT


def test_lines_for_sizes_long_past_are_dropped(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # The rule is relative to SIZES_KEPT: a smaller book needs 35 empty blocks, not 2,051
    # (15 s of the unit tier).
    kept = 64
    monkeypatch.setattr(checkpoints, "SIZES_KEPT", kept)
    monkeypatch.setattr(peering, "SIZES_KEPT", kept)
    book = api.service.checkpoints
    for _ in range(kept // 2 + 3):
        commit_pending(api)  # empty blocks: a head far enough from genesis
    size = api.ledger.height + 1
    book.set_committed_root(size, ROOT)
    gossip(api, COUNTY, size)
    for old in range(1, size - kept // 2):
        gossip(api, XIAMEN, old, Hash32(sha256(b"%d" % old)))
    gossip(api, NINGBO, size)
    assert book.signed_note(size, 2) is not None
    assert api.inbox.dropped["far_ahead"] == size - kept // 2 - 1


def test_lines_a_few_sizes_ahead_are_kept(api: Api) -> None:
    # A peer that committed before us signs sizes we have not reached yet.
    size = api.ledger.height + 1 + FAR_AHEAD_HEIGHTS
    gossip(api, COUNTY, size)
    gossip(api, NINGBO, size)
    api.service.checkpoints.set_committed_root(size, ROOT)
    assert api.service.checkpoints.signed_note(size, 2) is not None


def post_line(api: Api, name: str, size: int, signer: str | None = None) -> object:
    """Post name's checkpoint line for size as a validator's envelope; the answer's JSON."""
    text = api.service.checkpoints.checkpoint(size, ROOT).body()
    line = sign_note(text, name, KEYS[signer or name]).line()
    body: JsonObject = {"size": size, "root": ROOT.hex(), "line": line}
    data = seal_envelope(KEYS[XIAMEN], CHAIN_ID, PeerKind.CHECKPOINT, body)
    return api.client.post("/peer/checkpoint", content=data).json()


def test_the_answer_says_whether_the_line_was_kept(api: Api) -> None:
    # The book's check runs before the answer, so the answer says its outcome: a line that
    # does not verify, or of a size out of the window, answered {"accepted": true} before
    # (hostile pass h56), though it was dropped and counted.
    size = api.ledger.height + 1
    assert post_line(api, XIAMEN, size) == {"accepted": True}
    assert post_line(api, NINGBO, size, signer=XIAMEN) == {"accepted": False}
    assert api.inbox.dropped["bad_body"] == 1
    assert post_line(api, XIAMEN, size + 1_000_000) == {"accepted": False}
    assert api.inbox.dropped["far_ahead"] == 1


def test_a_line_out_of_the_window_is_logged_naming_its_sender(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    far = api.ledger.height + 1_000_000
    with caplog.at_level(logging.INFO, logger="lantan.peer"):
        gossip(api, XIAMEN, far)
    (line,) = (r for r in caplog.records if r.name == "lantan.peer")
    assert line.getMessage().startswith(
        f"dropped peer message (far_ahead): checkpoint line of size {far} from "
    )
    assert getattr(line, "reason", None) == "far_ahead"
    assert getattr(line, "sender", None) == KEYS[XIAMEN].public_key.hex()[:16]
    assert getattr(line, "peer_height", None) == far
