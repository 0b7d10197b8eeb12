"""client/witness/check.py: a witness cosigns only a valid checkpoint that extends its last."""

from collections.abc import Iterator

import pytest

from client.receipt.history import SetChange
from client.receipt.log_binding import CheckpointHeader
from client.witness.check import Offered, Refusal, WitnessRefusedError, check_offered, checkpoint_of
from node import proofs
from protocol.fields import parse_hex
from protocol.hashing import Hash32, sha256
from protocol.note import Checkpoint, checkpoint_at_height, format_signed_note, sign_note
from tests.receipts.chain import ReceiptChain


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiptChain]:
    built = ReceiptChain(tmp_path_factory.mktemp("witness-check"))
    try:
        for _ in range(6):
            built.commit()
        yield built
    finally:
        built.close()


def offered(chain: ReceiptChain, size: int, previous: int = 0, note: str = "") -> Offered:
    ledger = chain.ledger
    last = proofs.header_inclusion(ledger, size - 1, size)
    consistency: list[str] = []
    if 0 < previous < size:
        consistency = list(proofs.consistency(ledger, previous, size)["hashes"])  # type: ignore[arg-type]
    return Offered(
        note=note or chain.notes[size],
        changes=tuple(
            SetChange.from_json(c, with_path=True) for c in proofs.logged_set_changes(ledger, size)
        ),
        last=CheckpointHeader.from_json(
            {"header": last["header"], "history_path": last["proof"]["hashes"]}  # type: ignore[index,call-overload]
        ),
        consistency=tuple(parse_hex(h, "hash", size=32) for h in consistency),
    )


def check(chain: ReceiptChain, given: Offered, previous: Checkpoint | None) -> Checkpoint:
    genesis = chain.genesis.document
    return check_offered(
        given, chain_id=chain.chain_id, genesis_set=genesis.validators, previous=previous
    )


def refusal(chain: ReceiptChain, given: Offered, previous: Checkpoint | None) -> Refusal:
    with pytest.raises(WitnessRefusedError) as caught:
        check(chain, given, previous)
    return caught.value.kind


def test_first_checkpoint_is_taken_on_trust(chain: ReceiptChain) -> None:
    assert check(chain, offered(chain, 5), None) == checkpoint_of(chain.notes[5])


def test_an_extension_with_its_proof_is_cosigned(chain: ReceiptChain) -> None:
    previous = checkpoint_of(chain.notes[3])
    assert check(chain, offered(chain, 7, previous=3), previous).size == 7
    same = checkpoint_of(chain.notes[7])
    assert check(chain, offered(chain, 7), same) == same


def test_missing_or_wrong_consistency_proof_is_inconsistent(chain: ReceiptChain) -> None:
    previous = checkpoint_of(chain.notes[3])
    assert refusal(chain, offered(chain, 7), previous) is Refusal.INCONSISTENT
    other = Checkpoint(origin=previous.origin, size=3, root_hash=Hash32(sha256(b"fork")))
    assert refusal(chain, offered(chain, 7, previous=3), other) is Refusal.INCONSISTENT


def test_another_root_at_a_seen_size_is_inconsistent(chain: ReceiptChain) -> None:
    seen = Checkpoint(
        origin=checkpoint_of(chain.notes[7]).origin, size=7, root_hash=Hash32(sha256(b"x"))
    )
    assert refusal(chain, offered(chain, 7), seen) is Refusal.INCONSISTENT


def test_smaller_tree_is_stale(chain: ReceiptChain) -> None:
    assert refusal(chain, offered(chain, 5), checkpoint_of(chain.notes[7])) is Refusal.STALE


def test_note_below_the_validator_quorum_is_invalid(chain: ReceiptChain) -> None:
    root = chain.ledger.history_root(7)
    text = checkpoint_at_height(chain_id=chain.chain_id, height=6, root_hash=root).body()
    one_line = format_signed_note(text, [sign_note(text, "ningbo-ptc", chain.keys["ningbo-ptc"])])
    assert refusal(chain, offered(chain, 7, note=one_line), None) is Refusal.INVALID
