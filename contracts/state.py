"""The state the contracts read and the writes they produce. Pure: no I/O.

State is a map from UTF-8 state keys (e.g. "account/<id>") to canonical JSON bytes. The
node backs StateView with LevelDB, replay and tests with a dict; execution always goes
through a StateOverlay, whose writes are applied (or discarded) as one unit per block.
"""

from collections.abc import Mapping
from typing import Protocol


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


class StateOverlay:
    """Buffered writes over a base view; reads see the buffer first. Discard by dropping it."""

    def __init__(self, base: StateView) -> None:
        self._base = base
        self._writes: dict[str, bytes | None] = {}

    def get(self, key: str) -> bytes | None:
        if key in self._writes:
            return self._writes[key]
        return self._base.get(key)

    def set(self, key: str, value: bytes) -> None:
        self._writes[key] = value

    def delete(self, key: str) -> None:
        self._writes[key] = None

    def child(self) -> "StateOverlay":
        """A nested overlay: one tx's writes, merged only if the tx is accepted."""
        return StateOverlay(self)

    def merge(self, child: "StateOverlay") -> None:
        """Take over a child overlay's writes."""
        self._writes.update(child._writes)

    def writes(self) -> dict[str, bytes | None]:
        """Every buffered write, in sorted key order (so iteration never depends on history)."""
        return dict(sorted(self._writes.items()))
