"""The independent verifier's first steps, from docs/PROTOCOL.md alone: canonical JSON (§1),
hashes and signatures (§2), and the receipt's form. Imports nothing of Lantan."""

import hashlib
import json
from typing import Any

import nacl.exceptions
import nacl.signing

TAG_TX = b"lantan/v1/tx\x00"
TAG_VOTE = b"lantan/v1/vote\x00"
TAG_HEADER = b"lantan/v1/header\x00"
TAG_VALIDATORS = b"lantan/v1/validators\x00"
TAG_GENESIS = b"lantan/v1/genesis\x00"
TAG_RECEIPT = b"lantan/v1/receipt\x00"
EMPTY = bytes(32)
HEADER_FIELDS = {
    "protocol_version", "chain_id", "height", "time_ms", "prev_hash", "history_root",
    "tx_root", "results_root", "state_root", "validators_hash", "next_validators_hash",
    "evidence_root", "proposer",
}  # fmt: skip


class RejectError(Exception):
    def __init__(self, code: str, why: str = "") -> None:
        super().__init__(f"{code}: {why}")
        self.code = code


# --- §1 canonical JSON, §2 hashes ---------------------------------------------------------


def jcs(value: Any) -> bytes:
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        assert -(2**53) < value < 2**53
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(_jcs(k) + ":" + _jcs(value[k]) for k in keys) + "}"
    raise TypeError(type(value))


def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("duplicate key")
    return dict(pairs)


def no_constant(name: str) -> Any:
    raise ValueError(name)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ed25519_ok(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


# --- form ---------------------------------------------------------------------------------


def obj(value: Any, names: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != names:
        raise RejectError("MALFORMED", f"expected fields {sorted(names)}")
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise RejectError("MALFORMED", "expected an integer")
    return value


def text(value: Any, max_code_points: int) -> bool:
    return isinstance(value, str) and len(value) <= max_code_points


def hexbytes(value: Any, size: int) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size or value != value.lower():
        raise RejectError("MALFORMED", "expected lowercase hex")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise RejectError("MALFORMED", "bad hex") from None


def header_form(value: Any) -> dict[str, Any]:
    header = obj(value, HEADER_FIELDS)
    for name in HEADER_FIELDS - {"protocol_version", "height", "time_ms"}:
        hexbytes(header[name], 32)
    for name in ("protocol_version", "height", "time_ms"):
        integer(header[name])
    return header


def certificate_form(value: Any) -> dict[str, Any]:
    cert = obj(value, {"height", "round", "block_hash", "signatures"})
    integer(cert["height"])
    integer(cert["round"])
    hexbytes(cert["block_hash"], 32)
    signatures_form(cert["signatures"], "validator", 1000, "signatures")
    return cert


def signatures_form(value: Any, key_field: str, count_max: int, what: str) -> None:
    """A list of at most count_max {key_field: 32-byte key, "signature": 64 bytes}."""
    if not isinstance(value, list) or len(value) > count_max:
        raise RejectError("MALFORMED", what)
    for entry in value:
        obj(entry, {key_field, "signature"})
        hexbytes(entry[key_field], 32)
        hexbytes(entry["signature"], 64)


def proof_form(value: Any) -> dict[str, Any]:
    proof = obj(value, {"leaf_index", "tree_size", "hashes"})
    integer(proof["leaf_index"])
    integer(proof["tree_size"])
    if not isinstance(proof["hashes"], list):
        raise RejectError("MALFORMED", "hashes")
    proof["_hashes"] = [hexbytes(h, 32) for h in proof["hashes"]]
    return proof


def path_form(value: Any) -> None:
    """A format-3 history_path: at most 64 hex hashes."""
    if not isinstance(value, list) or len(value) > 64:
        raise RejectError("MALFORMED", "history_path")
    for item in value:
        hexbytes(item, 32)


def form(receipt: Any) -> None:
    fields = {"receipt_version", "retirement_id", "tx", "block", "state"}
    fields |= {"validator_sets", "history_proof"}
    version = receipt.get("receipt_version") if isinstance(receipt, dict) else None
    if version not in (1, 2, 3, 4) or isinstance(version, bool):
        raise RejectError("MALFORMED", "version")
    if version >= 2:
        fields.add("receipt_digest")
    if version in (3, 4):
        fields.add("checkpoint_header")
    obj(receipt, fields)
    if version >= 2:
        hexbytes(receipt["receipt_digest"], 32)
    if version in (3, 4):
        last = obj(receipt["checkpoint_header"], {"header", "history_path"})
        header_form(last["header"])
        path_form(last["history_path"])
    hexbytes(receipt["retirement_id"], 32)
    tx = obj(receipt["tx"], {"signed_tx", "height", "index", "tx_proof", "result", "result_proof"})
    signed = obj(tx["signed_tx"], {"tx", "signatures"})
    unsigned = obj(signed["tx"], {"chain_id", "protocol_version", "type", "sender", "nonce"} | {
        "expires_at_ms", "body"})  # fmt: skip
    hexbytes(unsigned["chain_id"], 32)
    hexbytes(unsigned["sender"], 32)
    integer(unsigned["protocol_version"])
    integer(unsigned["expires_at_ms"])
    if integer(unsigned["nonce"]) < 1:
        raise RejectError("MALFORMED", "nonce")
    if not isinstance(unsigned["body"], dict) or not text(unsigned["type"], 64):
        raise RejectError("MALFORMED", "tx body/type")
    signatures_form(signed["signatures"], "public_key", 16, "tx signatures")
    integer(tx["height"])
    integer(tx["index"])
    proof_form(tx["tx_proof"])
    proof_form(tx["result_proof"])
    result = obj(tx["result"], {"tx_id", "status", "reason"})
    hexbytes(result["tx_id"], 32)
    if result["status"] not in ("accepted", "rejected"):
        raise RejectError("MALFORMED", "status")
    if (result["status"] == "accepted") != (result["reason"] is None) or not (
        result["reason"] is None or text(result["reason"], 128)
    ):
        raise RejectError("MALFORMED", "reason")
    block = obj(receipt["block"], {"header", "certificate"})
    header_form(block["header"])
    certificate_form(block["certificate"])
    if not isinstance(receipt["state"], list) or not isinstance(receipt["validator_sets"], list):
        raise RejectError("MALFORMED", "lists")
    for entry in receipt["state"]:
        obj(entry, {"key", "value", "proof"})
        if not text(entry["key"], 512):
            raise RejectError("MALFORMED", "key")
        if entry["value"] is not None and not isinstance(entry["value"], dict):
            raise RejectError("MALFORMED", "value")
        smt = obj(entry["proof"], {"siblings", "leaf"})
        if not isinstance(smt["siblings"], list) or len(smt["siblings"]) > 256:
            raise RejectError("MALFORMED", "siblings")
        for sibling in smt["siblings"]:
            hexbytes(sibling, 32)
        if smt["leaf"] is not None:
            leaf = obj(smt["leaf"], {"key_hash", "value_hash"})
            hexbytes(leaf["key_hash"], 32)
            hexbytes(leaf["value_hash"], 32)
    for change in receipt["validator_sets"]:
        obj(change, {"header", "certificate", "next_validators"} | (
            {"history_path"} if version in (3, 4) else set()))  # fmt: skip
        if version in (3, 4):
            path_form(change["history_path"])
        header_form(change["header"])
        certificate_form(change["certificate"])
        if not isinstance(change["next_validators"], dict):
            raise RejectError("MALFORMED", "next_validators")
    if not text(receipt["history_proof"], 1 << 20):
        raise RejectError("MALFORMED", "history_proof")
