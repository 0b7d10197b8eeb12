"""Tamper cases for the specification holes of issue 14, each with the PROTOCOL.md sentence
that decides it. Every verifier (Python, independent, the checker page) must give the code.

Cases that change the tx body recompute retirement_id (otherwise WRONG_RETIREMENT comes
first); cases that change a record are re-sealed by the validators (tamper.reseal), so only
the rule under test can catch them.
"""

import base64
import copy
from collections.abc import Callable
from typing import Any

from protocol.encoding import encode
from protocol.hashing import TAG_HEADER, TAG_TX, TAG_VALIDATORS, Hash32, sha256, tagged_hash
from protocol.signing import SigningKey
from protocol.votes import sign_certificate
from tests.receipts.tamper import Receipt, TamperCase, _edit_note, _set
from tests.receipts.tamper_reseal import redigest, reseal

Keys = list[tuple[str, SigningKey]]
SMALL_ORDER_KEYS = {
    "the identity point": "01" + "00" * 31,
    "the identity point, non-canonical (y = p + 1)": "ee" + "ff" * 30 + "7f",
}
"""Public keys libsodium refuses: small order (and the second one non-canonical). With R the
identity and S = 0, [S]B = R + [k]A holds for them, so a plain RFC 8032 check accepts."""


def _raw(
    name: str, receipt: Receipt, code: str, rule: str, edit: Callable[[bytes], bytes]
) -> TamperCase:
    return TamperCase(name, edit(encode(receipt)), code, rule)


def _edited(
    name: str, receipt: Receipt, code: str, rule: str, edit: Callable[[Receipt], object]
) -> TamperCase:
    changed = copy.deepcopy(receipt)
    edit(changed)
    return TamperCase(name, encode(changed), code, rule)


def _retx(edit: Callable[[dict[str, Any]], object]) -> Callable[[Receipt], None]:
    """Edit the unsigned tx and rename the receipt after the edited tx."""

    def apply(x: Receipt) -> None:
        edit(x["tx"]["signed_tx"]["tx"])
        x["retirement_id"] = sha256(TAG_TX + encode(x["tx"]["signed_tx"]["tx"])).hex()

    return apply


def _record(records: dict[str, Any], prefix: str) -> dict[str, Any]:
    value: dict[str, Any] = next(v for k, v in records.items() if k.startswith(prefix) and v)
    return value


def hole_cases(receipt: Receipt, keys: Keys, genesis_set: dict[str, Any]) -> list[TamperCase]:
    """At least one case per hole 1-13 of issue 14 (hole 10 is decided by §14.6, no code)."""
    return [
        *_form_cases(receipt),
        *_chain_cases(receipt, keys, genesis_set),
        *_record_cases(receipt, keys),
        *_note_cases(receipt),
    ]


def _form_cases(r: Receipt) -> list[TamperCase]:
    step1 = "§14.4 step 1"
    return [
        _raw(
            "a byte-order mark",
            r,
            "MALFORMED",
            "§14.1: UTF-8 JSON text without a byte-order mark",
            lambda b: b"\xef\xbb\xbf" + b,
        ),
        _raw(
            "invalid UTF-8 in a string",
            r,
            "MALFORMED",
            "§14.1: UTF-8 JSON text",
            lambda b: b.replace(b'"history_proof":"', b'"history_proof":"\xff', 1),
        ),
        _raw(
            "-0 written for the round 0",
            r,
            "",
            "§14.1: -0 is a layout of 0, as whitespace is",
            lambda b: b.replace(b'"round":0', b'"round":-0', 1),
        ),
        _raw(
            "a duplicate key",
            r,
            "MALFORMED",
            "§1: duplicate keys are invalid",
            lambda b: b.replace(b'{"block":', b'{"block":0,"block":', 1),
        ),
        _edited(
            "an accepted result with a reason",
            r,
            "MALFORMED",
            f"{step1}: reason is null exactly when status is accepted",
            lambda x: _set(x["tx"]["result"], "reason", "ok"),
        ),
        _edited(
            "17 tx signatures",
            r,
            "MALFORMED",
            f"{step1}: at most 16 tx signatures",
            lambda x: _pad_signatures(x["tx"]["signed_tx"]["signatures"], 17),
        ),
        _edited(
            "tx nonce 0",
            r,
            "MALFORMED",
            f"{step1}: tx nonce >= 1",
            _retx(lambda tx: _set(tx, "nonce", 0)),
        ),
        _edited(
            "tx type of 65 characters",
            r,
            "MALFORMED",
            f"{step1}: tx type at most 64 code points",
            _retx(lambda tx: _set(tx, "type", "c" * 65)),
        ),
        _edited(
            "a negative certificate round",
            r,
            "MALFORMED",
            f"{step1}: integers 0 <= n < 2^53",
            lambda x: _set(x["block"]["certificate"], "round", -1),
        ),
        _edited(
            "a state key of 513 characters",
            r,
            "MALFORMED",
            f"{step1}: state keys at most 512",
            lambda x: x["state"].append(
                {"key": "k" * 513, "value": None, "proof": x["state"][0]["proof"]}
            ),
        ),
    ]


def _chain_cases(r: Receipt, keys: Keys, genesis_set: dict[str, Any]) -> list[TamperCase]:
    return [
        _edited(
            "tx protocol_version 2",
            r,
            "BAD_CHAIN",
            "§14.4 step 4: protocol_version 1, not expired at the block's time (§4)",
            _retx(lambda tx: _set(tx, "protocol_version", 2)),
        ),
        _edited(
            "tx expired before its block",
            r,
            "BAD_CHAIN",
            "§14.4 step 4: protocol_version 1, not expired at the block's time (§4)",
            _retx(lambda tx: _set(tx, "expires_at_ms", 0)),
        ),
        *(
            _edited(
                f"a tx signature by {what}",
                r,
                "BAD_TX_SIGNATURE",
                "§3: libsodium rules: small-order or non-canonical keys and R are refused",
                _add_small_order_signature(key),
            )
            for what, key in SMALL_ORDER_KEYS.items()
        ),
        TamperCase(
            "a set change beyond the checkpoint",
            encode(_change_beyond(r, keys, genesis_set)),
            "BAD_SET_CHANGE",
            "§14.4 step 5: a listed change at a height >= N",
        ),
        TamperCase(
            "the block's own set change left out",
            encode(_own_change_unlisted(r, keys, genesis_set)),
            "BAD_CHAIN",
            "§14.4 step 3: a header that changes the set has its change listed",
        ),
        TamperCase(
            "a set change whose next_validators has no quorum",
            encode(_change_beyond(r, keys, genesis_set, drop_quorum=True)),
            "BAD_SET_CHANGE",
            "§14.4 steps 1-2: next_validators is an object (step 1); a valid set is step 2's",
        ),
        TamperCase(
            "a set change with a repeated validator name",
            encode(_change_beyond(r, keys, genesis_set, same_names=True)),
            "BAD_SET_CHANGE",
            "§7: names are unique within a set",
        ),
    ]


def _record_cases(r: Receipt, keys: Keys) -> list[TamperCase]:
    def sealed(
        name: str, code: str, rule: str, edit: Callable[[dict[str, Any]], object]
    ) -> TamperCase:
        return TamperCase(name, encode(reseal(r, keys, edit)), code, rule)

    def lie(prefix: str, name: str, value: object) -> Callable[[dict[str, Any]], None]:
        """The first record under prefix says value for name."""
        return lambda records: _set(_record(records, prefix), name, value)

    schema = "§14.4 step 7 and §14.7: each record read is checked against its schema"
    meaning = "§14.4 step 8"

    def malformed(name: str, edit: Callable[[dict[str, Any]], object]) -> TamperCase:
        return sealed(name, "MALFORMED", schema, edit)

    def mismatch(
        name: str, code: str, what: str, edit: Callable[[dict[str, Any]], object]
    ) -> TamperCase:
        return sealed(name, code, f"{meaning}: {what}", edit)

    return [
        malformed("retirement record with an extra field", lie("retirement/", "note", "x")),
        malformed("retirement quantity 0", lie("retirement/", "quantity_kg", 0)),
        malformed("retirement range reversed", lie("retirement/", "ranges", [[422_500, 1]])),
        malformed("retirement range from serial 0", lie("retirement/", "ranges", [[0, 422_499]])),
        malformed("retirement ranges unreadable", lie("retirement/", "ranges", "1-422500")),
        malformed("serial block first_serial 0", lie("serials/", "first_serial", 0)),
        malformed("batch vintage as text", lie("batch/", "vintage", "2022")),
        malformed("project without its owner", lambda rs: _record(rs, "project/").pop("owner")),
        malformed("case court not a slug", lie("case/", "court", "Xiangshan Court")),
        malformed(
            "institution with an unknown role",
            lie("institution/xiangshan-court", "roles", ["judge"]),
        ),
        sealed(
            "retirement case_id null for a judicial tx",
            "UNEXPECTED_RECORD",
            "§14.4 step 7: the retirement's case_id is R.case_id, the record's",
            lie("retirement/", "case_id", None),
        ),
        mismatch(
            "retirement time is not the block's",
            "RETIREMENT_MISMATCH",
            "R.time_ms",
            lie("retirement/", "time_ms", 1),
        ),
        mismatch(
            "retirement beneficiary is not the signed one",
            "RETIREMENT_MISMATCH",
            "R.beneficiary",
            lie("retirement/", "beneficiary", "me"),
        ),
        mismatch(
            "judicial purpose is not alternative_restoration",
            "RETIREMENT_MISMATCH",
            "R.purpose",
            lie("retirement/", "purpose", "offset"),
        ),
        mismatch(
            "serial block of another account",
            "SERIALS_MISMATCH",
            "account_id",
            lie("serials/", "account_id", "someone-else"),
        ),
        mismatch(
            "a retired serial block frozen by someone",
            "SERIALS_MISMATCH",
            "frozen_by",
            lie("serials/", "frozen_by", "xiangshan-court"),
        ),
        mismatch(
            "a key record for another key",
            "RECORD_MISMATCH",
            "key records",
            lie("key/", "public_key", "ab" * 32),
        ),
        mismatch(
            "an institution record under another id",
            "RECORD_MISMATCH",
            "institution records",
            lie("institution/xiangshan-court", "institution_id", "another-court"),
        ),
    ]


def _note_cases(r: Receipt) -> list[TamperCase]:
    def signature_lines(ls: list[str]) -> list[int]:
        return [i for i, line in enumerate(ls) if line.startswith("\u2014 ")]

    def repeat_first(ls: list[str]) -> list[str]:
        first = signature_lines(ls)[0]
        return [*ls[: first + 1], ls[first], *ls[first + 1 :]]

    def second_bad_line(ls: list[str]) -> list[str]:
        first = signature_lines(ls)[0]
        name, _, encoded = ls[first].rpartition(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[-1] ^= 1
        return [
            *ls[: first + 1],
            f"{name} {base64.b64encode(bytes(raw)).decode()}",
            *ls[first + 1 :],
        ]

    def blank_among(ls: list[str]) -> list[str]:
        first = signature_lines(ls)[0]
        return [*ls[: first + 1], "", *ls[first + 1 :]]

    rule = "§10: the last empty line opens the signatures; a repeated identical line is ignored"
    return [
        _edited("a known key's line repeated", r, "", rule, lambda x: _edit_note(x, repeat_first)),
        _edited(
            "a second, different line of a known key",
            r,
            "BAD_CHECKPOINT",
            rule,
            lambda x: _edit_note(x, second_bad_line),
        ),
        _edited(
            "an empty line among the signatures",
            r,
            "BAD_CHECKPOINT",
            rule,
            lambda x: _edit_note(x, blank_among),
        ),
    ]


def relabelled_index_case(receipt: Receipt) -> TamperCase:
    """A tx at index 2 of 3 shown as index 1 of 2 with the same path: it still verifies,
    because headers do not commit to the tx count; §14.6 keeps the index out of the facts
    and out of the digest, so the receipt keeps its identity."""
    tx = receipt["tx"]
    assert (tx["index"], tx["tx_proof"]["tree_size"]) == (2, 3), "needs the last of 3 txs"

    def relabel(x: Receipt) -> None:
        x["tx"]["index"] = 1
        for part in ("tx_proof", "result_proof"):
            x["tx"][part].update(leaf_index=1, tree_size=2)

    return _edited(
        "a tx at index 2 of 3 relabelled as index 1 of 2",
        receipt,
        "",
        "§14.6: headers do not commit to the tx count; the index is no fact and no part of "
        "the digest",
        relabel,
    )


def _pad_signatures(signatures: list[dict[str, str]], count: int) -> None:
    signatures.extend([signatures[0]] * (count - len(signatures)))


def _add_small_order_signature(key_hex: str) -> Callable[[Receipt], None]:
    def apply(x: Receipt) -> None:
        signatures = x["tx"]["signed_tx"]["signatures"]
        signatures.append({"public_key": key_hex, "signature": "01" + "00" * 63})
        signatures.sort(key=lambda s: bytes.fromhex(s["public_key"]))

    return apply


def set_hash(value: dict[str, Any]) -> str:
    return sha256(TAG_VALIDATORS + encode(value)).hex()


def signed_change(header: dict[str, Any], keys: Keys, next_set: dict[str, Any]) -> dict[str, Any]:
    block_hash = tagged_hash(TAG_HEADER, encode(header))
    chain_id = Hash32(bytes.fromhex(header["chain_id"]))
    signers = [key for _, key in keys]
    certificate = sign_certificate(chain_id, header["height"], block_hash, signers)
    return {"header": header, "certificate": certificate.to_json(), "next_validators": next_set}


def _change_beyond(
    r: Receipt,
    keys: Keys,
    genesis_set: dict[str, Any],
    *,
    same_names: bool = False,
    drop_quorum: bool = False,
) -> Receipt:
    """A set change, certified by every validator, at a height past the checkpoint."""
    x = copy.deepcopy(r)
    current = x["validator_sets"][-1]["next_validators"] if x["validator_sets"] else genesis_set
    next_set = copy.deepcopy(current)
    next_set["quorum"] = len(next_set["validators"])
    if same_names:
        renamed = next_set["validators"][1]
        renamed["name"] = next_set["validators"][0]["name"]
        public_key = bytes.fromhex(renamed["public_key"])
        key_id = sha256(renamed["name"].encode() + b"\n\x01" + public_key)[:4]
        key_data = base64.b64encode(b"\x01" + public_key).decode()
        renamed["note_verifier_key"] = f"{renamed['name']}+{key_id.hex()}+{key_data}"
    if drop_quorum:
        del next_set["quorum"]
    size = int(x["history_proof"].partition("\n\n")[2].split("\n")[1])
    header = copy.deepcopy(x["block"]["header"])
    header.update(
        height=size + 5,
        validators_hash=set_hash(current),
        next_validators_hash=set_hash(next_set),
    )
    change = signed_change(header, keys, next_set)
    if x["receipt_version"] in (3, 4):
        change["history_path"] = []  # step 5 refuses the height before it reads any path
    x["validator_sets"].append(change)
    return redigest(x)


def _own_change_unlisted(r: Receipt, keys: Keys, genesis_set: dict[str, Any]) -> Receipt:
    """The block itself announces a new set (re-sealed), and the receipt does not list it."""

    def announce(x: dict[str, Any]) -> None:
        current = r["validator_sets"][-1]["next_validators"] if r["validator_sets"] else genesis_set
        next_set = copy.deepcopy(current)
        next_set["quorum"] = len(next_set["validators"])
        x["next_validators_hash"] = set_hash(next_set)

    return reseal(r, keys, lambda _records: None, header_edit=announce)
