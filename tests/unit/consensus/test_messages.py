"""Wire forms of consensus messages round-trip (consensus/messages.py)."""

import pytest

from consensus import CommitMessage, StatusMessage, message_from_json, message_to_json
from consensus.messages import BlockPayload, BlockRequest, CertificatesMessage
from protocol.encoding import decode, encode
from protocol.errors import SchemaError
from protocol.votes import CommitCertificate, VoteType
from tests.unit.consensus.harness import Harness, block_hash


def _messages(h: Harness) -> list[object]:
    pol = tuple(h.vote(i, VoteType.PREVOTE, 0, block_hash(b"x")) for i in range(3))
    certificate = CommitCertificate.from_votes(
        [h.vote(i, VoteType.PRECOMMIT, 1, block_hash(b"x")) for i in range(3)]
    )
    return [
        h.vote(1, VoteType.PRECOMMIT, 0, None),
        h.proposal(1, b"x", pol_round=0, pol_votes=pol),
        CommitMessage(certificate=certificate, payload=b"x"),
        StatusMessage(height=9),
        BlockRequest(height=2, block_hash=block_hash(b"x")),
        BlockPayload(height=2, block_hash=block_hash(b"x"), payload=b"x"),
        CertificatesMessage(certificates=(certificate,), votes=pol),
    ]


def test_every_message_round_trips_through_canonical_json():
    for message in _messages(Harness()):
        wire = encode(message_to_json(message))  # type: ignore[arg-type]
        assert message_from_json(decode(wire)) == message


def test_unknown_kinds_are_refused():
    with pytest.raises(SchemaError):
        message_from_json({"kind": "gossip"})
