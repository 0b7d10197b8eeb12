"""Typed reads and writes of contract records over a StateView / StateOverlay. Pure.

Values are always the RFC 8785 bytes of a record's to_json, so every node stores (and the
SMT hashes) identical bytes for identical state.
"""

import functools
from collections.abc import Callable
from typing import TypeVar

from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import Params
from contracts.state import Record, StateOverlay, StateView
from contracts.state_keys import PARAMS_KEY
from protocol.encoding import decode

R = TypeVar("R")


def load(view: StateView, key: str, parse: Callable[[object], R]) -> R | None:
    """The record at key, or None when absent (decoded once per block on an overlay)."""
    if isinstance(view, StateOverlay):
        return view.load_record(key, parse)
    raw = view.get(key)
    return None if raw is None else parse(decode(raw))


def require(view: StateView, key: str, parse: Callable[[object], R], reason: RejectReason) -> R:
    """The record at key; a missing one rejects the tx with reason."""
    record = load(view, key, parse)
    if record is None:
        raise TxRejectedError(reason, key)
    return record


def require_absent(view: StateView, key: str) -> None:
    """Reject with ALREADY_EXISTS when key is taken: records are never overwritten by a new id."""
    if view.get(key) is not None:
        raise TxRejectedError(RejectReason.ALREADY_EXISTS, key)


def save(overlay: StateOverlay, key: str, record: Record) -> None:
    """Write record at key; its canonical bytes are made once, when the block's writes are."""
    overlay.save_record(key, record)


def read_params(view: StateView) -> Params:
    """Chain params from genesis; the defaults when a test state has none."""
    raw = view.get(PARAMS_KEY)
    return Params() if raw is None else _params_from_bytes(raw)


@functools.lru_cache(maxsize=4)
def _params_from_bytes(raw: bytes) -> Params:
    # Admission reads the params for every tx; they change only at genesis, so parsing the
    # same bytes once is enough (a pure function of its argument: safe to memoise).
    return Params.from_json(decode(raw))
