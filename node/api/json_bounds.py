"""Bound a JSON body's element count and nesting depth before json.loads builds it.

json.loads of a 15 MiB nested list costs seconds and hundreds of MB before any schema
check can refuse it. The counts below use bytes.count (C speed) first; only a body within
them is scanned for depth, token by token, so the scan is bounded by elements_max too.
"""

import re

from protocol.encoding import NESTING_DEPTH_MAX

_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JsonBoundsError(Exception):
    """The body has too many elements or nests too deep to be worth decoding."""


def check_json_bounds(data: bytes, elements_max: int) -> None:
    """Raise JsonBoundsError when data has over elements_max values or nests past 64."""
    elements = data.count(b",") + data.count(b"[") + data.count(b"{")
    strings = data.count(b'"') // 2
    if elements > elements_max or strings > 2 * elements_max:
        raise JsonBoundsError(f"more than {elements_max} JSON elements")
    depth = 0
    for token in _TOKENS.finditer(data):
        first = token.group()[:1]
        if first in (b"[", b"{"):
            depth += 1
            if depth > NESTING_DEPTH_MAX:
                raise JsonBoundsError(f"JSON nests deeper than {NESTING_DEPTH_MAX}")
        elif first in (b"]", b"}"):
            depth -= 1
