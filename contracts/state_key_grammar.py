"""Which strings are state keys at all (docs/STATE.md's key column), so that an API may tell
a key no record can ever have (400) from a well-formed key that is absent (404, with its
non-inclusion proof). Pure.

The shapes are the key families' own: the one-part families register themselves in
contracts/state_keys.py; the two-part ones are listed here with the patterns of their parts
(slugs, 16-digit serials, a tenure certificate's number, another registry's id).
"""

import re
from typing import Final

from contracts.link_records import EXTERNAL_ID_PATTERN
from contracts.state_keys import (
    BYTES_FAMILIES,
    ID_FAMILIES,
    PARAMS_KEY,
    SERIAL_DIGITS,
    SLUG_PATTERN,
    STATE_KEY_LENGTH_MAX,
    VALIDATORS_CURRENT_KEY,
    VALIDATORS_NEXT_KEY,
)
from contracts.tenure_records import CERTIFICATE_NUMBER_PATTERN

_HEX: Final = re.compile(r"[0-9a-f]{64}")
_SERIAL: Final = re.compile(rf"[0-9]{{{SERIAL_DIGITS}}}")
_TWO_PART_FAMILIES: Final[dict[str, tuple[re.Pattern[str], re.Pattern[str]]]] = {
    "serials": (SLUG_PATTERN, _SERIAL),
    "pledged": (SLUG_PATTERN, _SERIAL),
    "escrowed": (SLUG_PATTERN, _SERIAL),
    "holding": (SLUG_PATTERN, SLUG_PATTERN),
    "auction_bid": (SLUG_PATTERN, SLUG_PATTERN),
    "tenure": (SLUG_PATTERN, CERTIFICATE_NUMBER_PATTERN),
    "external_id": (SLUG_PATTERN, EXTERNAL_ID_PATTERN),
}
_FIXED_KEYS: Final = frozenset({PARAMS_KEY, VALIDATORS_CURRENT_KEY, VALIDATORS_NEXT_KEY})
KEY_GRAMMAR_TEXT: Final = (
    "a state key is params, validators/current, validators/next, <family>/<id>, "
    "<family>/<64 hex digits> or <family>/<id>/<part> (docs/STATE.md)"
)


def is_state_key(key: str) -> bool:
    """True when key has the shape of some family's key (it may still be absent); False for
    a string no record can ever be stored under."""
    if len(key) > STATE_KEY_LENGTH_MAX:
        return False
    if key in _FIXED_KEYS:
        return True
    family, _, rest = key.partition("/")
    parts = rest.split("/")
    if len(parts) == 1:
        if family in ID_FAMILIES:
            return SLUG_PATTERN.fullmatch(parts[0]) is not None
        return family in BYTES_FAMILIES and _HEX.fullmatch(parts[0]) is not None
    shapes = _TWO_PART_FAMILIES.get(family)
    if shapes is None or len(parts) != len(shapes):
        return False
    return all(shape.fullmatch(part) is not None for shape, part in zip(shapes, parts, strict=True))
