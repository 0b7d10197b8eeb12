"""Cursor pagination for every list: opaque cursors, at most PAGE_LIMIT_MAX items a page.

A cursor is good only for the list that issued it: one from another list was read as a
place in this one, and answered an empty page that looked like the end of the list."""

from node.api.errors import ApiError
from node.api.schemas import is_decimal_text

PAGE_LIMIT_MAX = 100


def decode_int_cursor(cursor: str) -> int:
    # Decimal as every other integer of a URL is (no leading zero): `05` was read as 5.
    if not is_decimal_text(cursor) or len(cursor) > 16:
        raise _not_issued()
    return int(cursor)


def encode_key_cursor(key: str) -> str:
    return key.encode("utf-8").hex()


def decode_key_cursor(cursor: str, prefix: str) -> str:
    """The key a cursor of the list of the keys under prefix continues after; 400 for a
    cursor of another list (a key cursor is the last key shown, and every list's keys share
    its prefix)."""
    try:
        key = bytes.fromhex(cursor).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise _not_issued() from None
    if not key.startswith(prefix) or key == prefix:
        raise _not_issued()
    return key


def _not_issued() -> ApiError:
    return ApiError(400, "BAD_CURSOR", "cursor is not one this node issued for this list")
