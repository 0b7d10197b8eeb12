"""Bound a JSON body's element count and nesting depth before json.loads builds it.

json.loads of a 15 MiB nested list costs seconds and hundreds of MB before any schema
check can refuse it. The counts below use bytes.count (C speed) first; only a body within
them is checked for depth, and that check runs at C speed too: a batch of 250 txs has
~25,000 JSON tokens, and walking them in Python was 15 % of a validator's CPU under load
(docs/PERFORMANCE.md). The token walk is kept for the rare body whose brackets do not
balance (malformed JSON that the decoder will refuse next), where it defines the answer.
"""

import re

from protocol.encoding import NESTING_DEPTH_MAX

_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
"""What _TOKENS takes as one string, written so the regex engine loops on the plain run."""
_INNERMOST = re.compile(rb"\[\]")
_OPENERS_CLOSERS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'[]{},"\\')))


class JsonBoundsError(Exception):
    """The body has too many elements or nests too deep to be worth decoding."""


def check_json_bounds(data: bytes, elements_max: int) -> None:
    """Raise JsonBoundsError when data has over elements_max values or nests past 64."""
    # One pass keeps the few bytes every count and the depth need: a batch of 500 txs is
    # ~420 KB but ~50 KB of these, and six counts over the whole body cost as much as the
    # decode that follows (docs/PERFORMANCE.md).
    structure = _structure(data)
    openers = structure.count(b"[") + structure.count(b"{")
    elements = structure.count(b",") + openers
    strings = structure.count(b'"') // 2
    if elements > elements_max or strings > 2 * elements_max:
        raise JsonBoundsError(f"more than {elements_max} JSON elements")
    if openers <= NESTING_DEPTH_MAX:
        return  # fewer openers than the bound, even counting those inside strings
    if _nesting_depth(data, structure) > NESTING_DEPTH_MAX:
        raise JsonBoundsError(f"JSON nests deeper than {NESTING_DEPTH_MAX}")


def _structure(data: bytes) -> bytes:
    """data's brackets, commas, quotes and backslashes, in order."""
    return data.translate(None, _NOT_STRUCTURE)


def _nesting_depth(data: bytes, structure: bytes) -> int:
    """The greatest running depth of the token walk below, computed at C speed when the
    body's brackets balance and it nests no deeper than the bound. Strings go first; the
    brackets left (both kinds as one) lose their innermost pairs once per round, and a
    balanced sequence empties in exactly as many rounds as it nests deep."""
    brackets = _outside_strings(data, structure).translate(_OPENERS_CLOSERS, _NOT_BRACKETS)
    rounds = 0
    while brackets and rounds <= NESTING_DEPTH_MAX:
        reduced = _INNERMOST.sub(b"", brackets)
        if len(reduced) == len(brackets):
            return _token_walk_depth(data)  # unbalanced: no pair left to take
        brackets = reduced
        rounds += 1
    return rounds if not brackets else _token_walk_depth(data)


def _outside_strings(data: bytes, structure: bytes) -> bytes:
    """What of data's brackets (in structure, data's structural bytes) lies outside its
    strings, as the token walk skips them."""
    if b"\\" not in structure:
        # No escapes, so the quotes alternate open and close, and a string with no
        # bracket, comma or quote inside is a bare pair of quotes in structure. Removing
        # bare pairs (leftmost first) leaves no quote exactly when no string held such a
        # byte: the first string that holds one keeps its opening quote, since every
        # string before it is taken as its own pair, the quote's neighbour on the right
        # is not a quote, and a quote on its left closed a string already taken.
        bare = structure.replace(b'""', b"")
        if b'"' not in bare:
            return bare
        if data.count(b'"') % 2 == 0:
            # Every quote ends the string the one before it opened (5x the regex).
            return b"".join(data.split(b'"')[0::2])
    return _STRINGS.sub(b"", data)


def _token_walk_depth(data: bytes) -> int:
    """The greatest running depth of a walk over the tokens (the definition for any body)."""
    depth = deepest = 0
    for token in _TOKENS.finditer(data):
        first = token.group()[:1]
        if first in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif first in (b"]", b"}"):
            depth -= 1
    return deepest
