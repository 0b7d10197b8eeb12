"""Cursor pagination for every list: opaque cursors, at most PAGE_LIMIT_MAX items a page."""

from node.api.errors import ApiError
from protocol.fields import is_decimal

PAGE_LIMIT_MAX = 100


def decode_int_cursor(cursor: str) -> int:
    if not is_decimal(cursor) or len(cursor) > 16:
        raise ApiError(400, "BAD_CURSOR", "cursor is not one this node issued")
    return int(cursor)


def encode_key_cursor(key: str) -> str:
    return key.encode("utf-8").hex()


def decode_key_cursor(cursor: str) -> str:
    try:
        return bytes.fromhex(cursor).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "BAD_CURSOR", "cursor is not one this node issued") from None
