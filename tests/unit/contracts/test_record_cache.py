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


class CountingState(MemoryState):
    """A base that counts its reads per key."""

    def __init__(self, values: dict[str, bytes]) -> None:
        super().__init__(values)
        self.reads: dict[str, int] = {}

    def get(self, key: str) -> bytes | None:
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().get(key)


def test_each_base_key_is_read_once_per_block_present_or_absent() -> None:
    stored = encoding.encode(record(1).to_json())
    base = CountingState({KEY: stored})
    block = StateOverlay(base)
    for _ in range(3):
        tx = block.child()
        assert tx.get(KEY) == stored
        assert tx.get("absent") is None
        assert load(tx, KEY, NonceRecord.from_json) == record(1)
        block.merge(tx)
    assert base.reads == {KEY: 1, "absent": 1}


def test_writes_and_a_rejected_tx_never_meet_a_stale_read() -> None:
    stored = encoding.encode(record(1).to_json())
    block = StateOverlay(CountingState({KEY: stored}))
    assert block.get(KEY) == stored and block.get("new") is None
    rejected = block.child()
    rejected.set("new", b"1")
    save(rejected, KEY, record(2))
    assert rejected.get("new") == b"1"
    assert rejected.get(KEY) == encoding.encode(record(2).to_json())
    # The rejected tx is dropped: the block reads the base's values again.
    assert block.get(KEY) == stored and block.get("new") is None
    accepted = block.child()
    accepted.delete(KEY)
    accepted.set("new", b"2")
    block.merge(accepted)
    assert block.get(KEY) is None and block.get("new") == b"2"
    assert load(block.child(), KEY, NonceRecord.from_json) is None
    block.set(KEY, stored)
    assert block.child().get(KEY) == stored


def test_the_next_block_reads_the_base_as_it_is_then() -> None:
    base = CountingState({KEY: encoding.encode(record(1).to_json())})
    first = StateOverlay(base)
    assert load(first, KEY, NonceRecord.from_json) == record(1)
    assert first.get("new") is None
    save(first, KEY, record(2))
    first.set("new", b"1")
    base.apply(first.writes())  # the block is committed
    second = StateOverlay(base)
    assert second.get("new") == b"1"
    assert load(second, KEY, NonceRecord.from_json) == record(2)
    assert base.reads == {KEY: 2, "new": 2}
