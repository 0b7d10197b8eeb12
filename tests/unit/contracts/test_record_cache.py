"""contracts/state.py's record cache: decoded once per block, encoded once at commit.

The cache must be invisible: every read gives what parse(decode(bytes)) would, every
write ends as the record's canonical bytes, a discarded child's records never show.
"""

import pytest

from contracts import state
from contracts.records import NonceRecord
from contracts.state import MemoryState, StateOverlay
from contracts.store import load, save
from protocol import encoding
from protocol.errors import FieldTypeError
from protocol.signing import PublicKey

KEY = "nonce/aa"
SENDER = PublicKey(b"\xaa" * 32)


def record(nonce: int) -> NonceRecord:
    return NonceRecord(public_key=SENDER, nonce=nonce)


class Counting:
    """Counts encode and decode calls made through contracts.state."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.encoded = 0
        self.decoded = 0

        def counted_encode(value: object) -> bytes:
            self.encoded += 1
            return encoding.encode(value)

        def counted_decode(data: bytes) -> encoding.JsonValue:
            self.decoded += 1
            return encoding.decode(data)

        monkeypatch.setattr(state, "encode", counted_encode)
        monkeypatch.setattr(state, "decode", counted_decode)


def test_a_base_record_is_decoded_once_per_block(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counting(monkeypatch)
    base = MemoryState({KEY: encoding.encode(record(7).to_json())})
    block = StateOverlay(base)
    first = load(block.child(), KEY, NonceRecord.from_json)
    second = load(block.child().child(), KEY, NonceRecord.from_json)
    assert first == record(7)
    assert second is first
    assert counts.decoded == 1
    # A reader that parses another way gets its own parse, equal to the bytes' value.
    assert load(block, KEY, lambda value: value) == record(7).to_json()
    assert counts.decoded == 2


def test_a_saved_record_is_encoded_once_at_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counting(monkeypatch)
    block = StateOverlay(MemoryState())
    for nonce in range(1, 6):
        tx = block.child()
        assert load(tx, KEY, NonceRecord.from_json) == (None if nonce == 1 else record(nonce - 1))
        save(tx, KEY, record(nonce))
        block.merge(tx)
    assert (counts.encoded, counts.decoded) == (0, 0)
    writes = block.writes()
    assert writes == {KEY: encoding.encode(record(5).to_json())}
    assert counts.encoded == 1
    assert block.writes() == writes and block.get(KEY) == writes[KEY]
    assert counts.encoded == 1


def test_a_discarded_child_leaves_no_record() -> None:
    block = StateOverlay(MemoryState({KEY: encoding.encode(record(1).to_json())}))
    assert load(block, KEY, NonceRecord.from_json) == record(1)
    rejected = block.child()
    save(rejected, KEY, record(2))
    rejected.delete("other")
    assert load(rejected, KEY, NonceRecord.from_json) == record(2)
    assert load(block, KEY, NonceRecord.from_json) == record(1)
    assert block.writes() == {}


def test_deletes_and_raw_writes_are_read_through() -> None:
    block = StateOverlay(MemoryState({KEY: encoding.encode(record(1).to_json())}))
    assert load(block, KEY, NonceRecord.from_json) == record(1)
    tx = block.child()
    tx.delete(KEY)
    assert load(tx, KEY, NonceRecord.from_json) is None
    tx.set(KEY, encoding.encode(record(3).to_json()))
    assert load(tx, KEY, NonceRecord.from_json) == record(3)


def test_corrupt_stored_bytes_still_raise_their_typed_error() -> None:
    bad = record(1).to_json() | {"nonce": "one"}
    block = StateOverlay(MemoryState({KEY: encoding.encode(bad)}))
    for _ in range(2):  # a failed decode is not cached
        with pytest.raises(FieldTypeError):
            load(block, KEY, NonceRecord.from_json)
