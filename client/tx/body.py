"""Tx bodies from the command line: --body JSON or @file, --set field=value, local checks.

A body is checked with the same parsers the node runs at admission (contracts/tx_types.py
BODY_PARSERS) before anything is signed or sent, and a refusal carries the same reason
code the node would answer with (contracts/reasons.py AdmissionReason values).
"""

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from client.errors import TxInputError, UsageError
from contracts.admission import admission_reason_for
from contracts.errors import AdmissionError
from contracts.reasons import AdmissionReason
from contracts.tx_types import BODY_PARSERS, TxType
from genesis.bounded_read import read_bounded
from protocol.codec import WireField, wire_fields
from protocol.encoding import JsonObject, JsonValue, decode
from protocol.errors import (
    EncodingError,
    MalformedJsonError,
    ProtocolError,
)

BODY_FILE_SIZE_MAX: Final = 1024 * 1024


def tx_type_of(name: str) -> TxType:
    try:
        return TxType(name)
    except ValueError:
        known = ", ".join(sorted(t.value for t in TxType))
        raise TxInputError(
            AdmissionReason.UNKNOWN_TX_TYPE.value, f"{name!r}; known: {known}"
        ) from None


def body_fields(tx_type: TxType) -> tuple[tuple[str, bool], ...]:
    """(JSON field name, may be null) for every field of tx_type's body, in class order."""
    return tuple((field.name, field.nullable) for field in _wire_fields(tx_type))


def _wire_fields(tx_type: TxType) -> tuple[WireField, ...]:
    # Wire names: validators.update calls its `validators` field validator_set.
    return wire_fields(BODY_PARSERS[tx_type].__self__)  # type: ignore[attr-defined]


def read_body_argument(argument: str | None) -> JsonObject:
    """--body: a JSON object inline, or @FILE holding one; {} when absent."""
    if argument is None:
        return {}
    if argument.startswith("@"):
        path = Path(argument[1:])
        try:
            bounded = read_bounded(path, BODY_FILE_SIZE_MAX)
        except OSError as error:
            raise UsageError(f"--body {argument}: cannot read: {error.strerror}") from None
        if bounded is None:
            raise UsageError(f"--body {argument}: larger than {BODY_FILE_SIZE_MAX} bytes")
        data, source = bounded, str(path)
    else:
        data, source = argument.encode("utf-8"), "--body"
    try:
        value = decode(data)
    except EncodingError as error:
        raise UsageError(f"{source}: {error}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{source}: expected a JSON object")
    return value


def string_fields(tx_type: TxType) -> frozenset[str]:
    """The JSON names of tx_type's body fields that are strings on the wire.

    Ids, names and dates are str; keys and hashes are bytes, written as hex strings.
    """
    return frozenset(field.name for field in _wire_fields(tx_type) if field.string)


def apply_settings(
    body: JsonObject, settings: Sequence[str], strings: frozenset[str] = frozenset()
) -> JsonObject:
    """A copy of body with each "name=value" of --set applied; dotted names nest.

    A top-level name in strings (string_fields of the tx type) always takes a string.
    """
    # A deep copy, so --set never edits a body the caller still holds.
    result = copy.deepcopy(body)
    for setting in settings:
        name, separator, text = setting.partition("=")
        if not separator or not name:
            raise UsageError(f"--set {setting!r}: expected field=value")
        *parents, leaf = name.split(".")
        target = result
        for parent in parents:
            child = target.setdefault(parent, {})
            if not isinstance(child, dict):
                raise UsageError(f"--set {name}: {parent!r} is not an object")
            target = child
        string = not parents and leaf in strings
        target[leaf] = parse_setting_value(text, string=string)
    return result


_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
"""RFC 8259's number grammar: a --set value that is one, with a fraction or exponent, is
refused; "422.5t" is not one."""


def parse_setting_value(text: str, *, string: bool = False) -> JsonValue:
    """The value as JSON when it parses (42, true, null, ["a"], "quoted"), else the string.

    Numbers with a fraction or exponent are refused rather than kept as strings: amounts
    are integer kilograms (DESIGN.md §5), and "1.5" would otherwise pass unnoticed.
    A field declared a string (string=True) is never read as a number: a hex key such as
    "5e33..." would otherwise be a number with an exponent, and "2023" an integer. There
    only null and a "quoted" JSON string are decoded; any other text is the string itself.
    """
    if string and text != "null" and not text.startswith('"'):
        return text
    try:
        return decode(text.encode("utf-8"))
    except MalformedJsonError:
        return text
    except EncodingError as error:
        # "422.5t": the decoder refuses the number's fraction before it sees the text after
        # it. Only a whole JSON number is refused here; other text is a string, which the
        # field's type then refuses as `422t` is ("expected an integer number of kg").
        if not _JSON_NUMBER.fullmatch(text.strip()):
            return text
        raise UsageError(f"--set value {text!r}: {error}") from None


def fill_nullable_fields(tx_type: TxType, body: JsonObject) -> JsonObject:
    """Fields that may be null (a transfer's broker, a case's plaintiff) default to null."""
    missing = {name: None for name, nullable in body_fields(tx_type) if nullable}
    return {**missing, **body}


def validate_body(tx_type: TxType, body: JsonObject) -> None:
    """Raise TxInputError with the node's admission reason unless the body parses."""
    try:
        BODY_PARSERS[tx_type](body)
    except AdmissionError as error:
        raise TxInputError(error.reason.value, error.detail) from None
    except ProtocolError as error:
        raise TxInputError(admission_reason_for(error).value, str(error)) from None
