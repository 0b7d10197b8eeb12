"""Signed checkpoint notes survive a restart: CheckpointBook keeps them in the node's LevelDB."""

from pathlib import Path

from node.checkpoints import CheckpointBook
from node.storage.leveldb import LevelDbStore
from protocol.note import sign_note
from tests.receipts.chain import ReceiptChain


def test_a_quorum_note_is_archived_and_served_after_reopening(tmp_path: Path) -> None:
    chain = ReceiptChain(tmp_path / "chain")
    chain.commit()
    chain.commit()
    validators = chain.ledger.validators_for_next_height()
    roots = {size: chain.ledger.history_root(size) for size in (2, 3)}
    chain.close()
    with LevelDbStore.open(tmp_path / "chain") as store:
        book = CheckpointBook(chain.chain_id, store)
        for size, root in roots.items():
            book.set_committed_root(size, root)
            text = book.checkpoint(size, root).body()
            for validator in validators.validators[: validators.quorum]:
                line = sign_note(text, validator.name, chain.keys[validator.name]).line()
                book.add(size=size, root=root, line=line, validators=validators)
        served = book.signed_note(3, validators.quorum)
    assert served is not None
    with LevelDbStore.open(tmp_path / "chain") as store:
        reopened = CheckpointBook(chain.chain_id, store)
        assert reopened.signed_note(3, validators.quorum) == served
        assert reopened.latest_signed(validators.quorum) == (3, served)
        assert reopened.signed_note(2, validators.quorum) is not None
        assert reopened.signed_note(4, validators.quorum) is None
