"""The state the contracts read and the writes they produce. Pure: no I/O.

State is a map from UTF-8 state keys (e.g. "account/<id>") to canonical JSON bytes. The
node backs StateView with LevelDB, replay and tests with a dict; execution always goes
through a StateOverlay, whose writes are applied (or discarded) as one unit per block.

A StateOverlay also keeps records in decoded form (issue 13: records decoded once per block,
encoded once at commit): contracts/store.py saves the record object, which is encoded only
when its bytes are asked for (writes() at the end of the block, or get()), and a record read
from the base is decoded once by the bottom overlay (one per block in apply_block) and then
served from there. Records are frozen, so handing out the same object twice is safe; a
record is served only to a reader that parses that very type (its from_json), so what a
reader gets is what parse(decode(bytes)) would give.

The bottom overlay also reads each base key once per block (issue 20: admission reads the
params and the sender's key records for every tx, and a LevelDB read costs more as the
database grows): the base's bytes, or its absence, are kept beside the decoded records and
live as long as the overlay, so at most one entry per distinct key the block reads.
"""

from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar, cast

from protocol.encoding import JsonObject, decode, encode

R = TypeVar("R")


class StateView(Protocol):
    """Read access to committed state."""

    def get(self, key: str) -> bytes | None:
        """The value at key, or None when absent."""
        ...


class MemoryState:
    """A dict-backed StateView for genesis, client replay and tests."""

    def __init__(self, values: Mapping[str, bytes] | None = None) -> None:
        self._values: dict[str, bytes] = dict(values or {})

    def get(self, key: str) -> bytes | None:
        return self._values.get(key)

    def apply(self, writes: Mapping[str, bytes | None]) -> None:
        """Apply a block's writes (None deletes)."""
        for key, value in writes.items():
            if value is None:
                self._values.pop(key, None)
            else:
                self._values[key] = value

    def items(self) -> list[tuple[str, bytes]]:
        return sorted(self._values.items())


class Record(Protocol):
    """A contract record: a frozen JsonCodec type (contracts/records.py and others)."""

    def to_json(self) -> JsonObject: ...


class _Decoded:
    """A record in decoded form, with its canonical bytes once somebody needs them."""

    __slots__ = ("raw", "record")

    def __init__(self, record: Record, raw: bytes | None = None) -> None:
        self.record = record
        self.raw = raw

    def encoded(self) -> bytes:
        if self.raw is None:
            self.raw = encode(self.record.to_json())
        return self.raw

    def parsed(self, parse: Callable[[object], R]) -> R:
        """The record as parse would read it: the object itself when parse is its type's
        from_json (a bound classmethod names its class in __self__), else parsed anew."""
        if getattr(parse, "__self__", None) is type(self.record):
            return cast(R, self.record)
        return parse(decode(self.encoded()))


class StateOverlay:
    """Buffered writes over a base view; reads see the buffer first. Discard by dropping it."""

    def __init__(self, base: StateView) -> None:
        self._base = base
        self._writes: dict[str, bytes | _Decoded | None] = {}
        self._read: dict[str, _Decoded] = {}
        """Records decoded from the base, when the base is not an overlay (whose own
        buffer or base would answer): the base does not change under an overlay."""
        self._base_bytes: dict[str, bytes | None] = {}
        """What the base held at each key read so far (None: absent), on the same terms."""

    def get(self, key: str) -> bytes | None:
        if key in self._writes:
            value = self._writes[key]
            return value.encoded() if isinstance(value, _Decoded) else value
        if isinstance(self._base, StateOverlay):
            return self._base.get(key)
        return self._read_base(key)

    def _read_base(self, key: str) -> bytes | None:
        """The base's bytes at key, read from the base once per overlay."""
        try:
            return self._base_bytes[key]
        except KeyError:
            raw = self._base_bytes[key] = self._base.get(key)
            return raw

    def set(self, key: str, value: bytes) -> None:
        self._writes[key] = value

    def delete(self, key: str) -> None:
        self._writes[key] = None

    def save_record(self, key: str, record: Record) -> None:
        """Write record at key; it is encoded when its bytes are first asked for."""
        self._writes[key] = _Decoded(record)

    def load_record(self, key: str, parse: Callable[[object], R]) -> R | None:
        """parse(decode(self.get(key))), or None when absent, decoding each record once."""
        if key in self._writes:
            value = self._writes[key]
            if value is None:
                return None
            if isinstance(value, bytes):
                return parse(decode(value))
            return value.parsed(parse)
        if isinstance(self._base, StateOverlay):
            return self._base.load_record(key, parse)
        cached = self._read.get(key)
        if cached is not None:
            return cached.parsed(parse)
        raw = self._read_base(key)
        if raw is None:
            return None
        record = parse(decode(raw))
        self._read[key] = _Decoded(cast(Record, record), raw)
        return record

    def child(self) -> "StateOverlay":
        """A nested overlay: one tx's writes, merged only if the tx is accepted."""
        return StateOverlay(self)

    def merge(self, child: "StateOverlay") -> None:
        """Take over a child overlay's writes."""
        self._writes.update(child._writes)

    def writes(self) -> dict[str, bytes | None]:
        """Every buffered write, in sorted key order (so iteration never depends on history).

        Records saved in decoded form are encoded here, each once."""
        return {
            key: value.encoded() if isinstance(value, _Decoded) else value
            for key, value in sorted(self._writes.items())
        }
