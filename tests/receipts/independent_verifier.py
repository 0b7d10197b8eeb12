"""A retirement-receipt verifier written from docs/PROTOCOL.md (§1-§10, §14) alone.

It imports nothing of Lantan: only the standard library and PyNaCl (Ed25519). Its purpose
is to show the specification is complete: it must accept every valid receipt and reject
every tampered one, and it reports the §14.4 code of the first failing step.

    verify(receipt_bytes, genesis_bytes) -> (code or None, facts dict)
"""

import base64
import hashlib
import json
import re
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
    if not isinstance(cert["signatures"], list) or len(cert["signatures"]) > 1000:
        raise RejectError("MALFORMED", "signatures")
    for entry in cert["signatures"]:
        obj(entry, {"validator", "signature"})
        hexbytes(entry["validator"], 32)
        hexbytes(entry["signature"], 64)
    return cert


def proof_form(value: Any) -> dict[str, Any]:
    proof = obj(value, {"leaf_index", "tree_size", "hashes"})
    integer(proof["leaf_index"])
    integer(proof["tree_size"])
    if not isinstance(proof["hashes"], list):
        raise RejectError("MALFORMED", "hashes")
    proof["_hashes"] = [hexbytes(h, 32) for h in proof["hashes"]]
    return proof


def form(receipt: Any) -> None:
    fields = {"receipt_version", "retirement_id", "tx", "block", "state"}
    fields |= {"validator_sets", "history_proof"}
    if not isinstance(receipt, dict) or receipt.get("receipt_version") not in (1, 2):
        raise RejectError("MALFORMED", "version")
    if receipt["receipt_version"] == 2:
        fields.add("receipt_digest")
    obj(receipt, fields)
    if receipt["receipt_version"] == 2:
        hexbytes(receipt["receipt_digest"], 32)
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
    if not isinstance(signed["signatures"], list) or len(signed["signatures"]) > 16:
        raise RejectError("MALFORMED", "tx signatures")
    for entry in signed["signatures"]:
        obj(entry, {"public_key", "signature"})
        hexbytes(entry["public_key"], 32)
        hexbytes(entry["signature"], 64)
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
        obj(change, {"header", "certificate", "next_validators"})
        header_form(change["header"])
        certificate_form(change["certificate"])
        if not isinstance(change["next_validators"], dict):
            raise RejectError("MALFORMED", "next_validators")
    if not text(receipt["history_proof"], 1 << 20):
        raise RejectError("MALFORMED", "history_proof")


# --- §6 RFC 9162 inclusion ----------------------------------------------------------------


def merkle_root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    if index >= size:
        return None
    fn, sn, r = index, size - 1, sha(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = sha(b"\x01" + r + p)
        fn, sn = fn // 2, sn // 2
    return r if sn == 0 else None


# --- §7 validator sets, §8.2 certificates ---------------------------------------------------


def note_key_id(name: str, public_key: bytes) -> bytes:
    return sha(name.encode() + b"\n" + b"\x01" + public_key)[:4]


def check_set(value: dict[str, Any]) -> list[dict[str, Any]]:
    """§7, for step 2: any way the set is wrong, its shape included, is BAD_SET_CHANGE."""
    try:
        return _check_set(value)
    except RejectError as error:
        raise RejectError("BAD_SET_CHANGE", str(error)) from None


def _check_set(value: dict[str, Any]) -> list[dict[str, Any]]:
    obj(value, {"validators", "quorum"})
    members = value["validators"]
    if not isinstance(members, list) or not members:
        raise RejectError("BAD_SET_CHANGE", "no validators")
    keys = []
    for member in members:
        obj(member, {"name", "public_key", "note_verifier_key"})
        key = hexbytes(member["public_key"], 32)
        name = member["name"]
        key_data = base64.b64encode(b"\x01" + key).decode()
        expected = f"{name}+{note_key_id(name, key).hex()}+{key_data}"
        if member["note_verifier_key"] != expected:
            raise RejectError("BAD_SET_CHANGE", "note key")
        keys.append(key)
    if keys != sorted(set(keys)):
        raise RejectError("BAD_SET_CHANGE", "order")
    if len({m["name"] for m in members}) != len(members):
        raise RejectError("BAD_SET_CHANGE", "names repeat")
    quorum = value["quorum"]
    if not isinstance(quorum, int) or not len(keys) / 2 < quorum <= len(keys):
        raise RejectError("BAD_SET_CHANGE", "quorum")
    return members


def set_hash(value: dict[str, Any]) -> bytes:
    return sha(TAG_VALIDATORS + jcs(value))


def check_certificate(
    cert: dict[str, Any], header: dict[str, Any], chain: str, vset: Any
) -> list[str]:
    keys = [entry["validator"] for entry in cert["signatures"]]
    if len(set(keys)) != len(keys):
        raise RejectError("DUPLICATE_SIGNER")
    if keys != sorted(keys, key=bytes.fromhex):
        raise RejectError("MALFORMED", "certificate order")
    members = {m["public_key"] for m in vset["validators"]}
    if any(key not in members for key in keys):
        raise RejectError("NOT_A_VALIDATOR")
    block_hash = sha(TAG_HEADER + jcs(header)).hex()
    if cert["height"] != header["height"] or cert["block_hash"] != block_hash:
        raise RejectError("BAD_CERTIFICATE", "other block")
    vote = {"type": "precommit", "chain_id": chain, "height": cert["height"]}
    vote |= {"round": cert["round"], "block_hash": block_hash}
    message = TAG_VOTE + jcs(vote)
    for entry in cert["signatures"]:
        if not ed25519_ok(
            bytes.fromhex(entry["validator"]), message, bytes.fromhex(entry["signature"])
        ):
            raise RejectError("BAD_CERTIFICATE", "signature")
    if len(keys) < vset["quorum"]:
        raise RejectError("QUORUM_NOT_REACHED")
    return keys


def set_in_force(v0: dict[str, Any], changes: list[dict[str, Any]], height: int) -> dict[str, Any]:
    current = v0
    for change in changes:
        if change["header"]["height"] < height:
            current = change["next_validators"]
    return current


# --- §9 sparse Merkle proofs ------------------------------------------------------------


def smt_ok(root: bytes, key: str, value: Any, proof: dict[str, Any]) -> bool:
    k = sha(key.encode("utf-8"))
    siblings = [bytes.fromhex(s) for s in proof["siblings"]]
    leaf = proof["leaf"]
    if value is not None:
        if leaf is None or bytes.fromhex(leaf["key_hash"]) != k:
            return False
        if bytes.fromhex(leaf["value_hash"]) != sha(jcs(value)):
            return False
        c = sha(b"\x02" + k + sha(jcs(value)))
    elif leaf is None:
        c = EMPTY
    else:
        other = bytes.fromhex(leaf["key_hash"])
        if other == k or any(bit(other, d) != bit(k, d) for d in range(len(siblings))):
            return False
        c = sha(b"\x02" + other + bytes.fromhex(leaf["value_hash"]))
    for d in range(len(siblings) - 1, -1, -1):
        c = sha(b"\x03" + siblings[d] + c) if bit(k, d) else sha(b"\x03" + c + siblings[d])
    return c == root


def bit(h: bytes, d: int) -> int:
    return (h[d // 8] >> (7 - d % 8)) & 1


# --- §10 notes, §14.3 tlog-proof --------------------------------------------------------------


def b64(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise ValueError("non-canonical base64")
    return raw


def check_history(
    text: str, chain: str, header: dict[str, Any], v0: Any, changes: list[Any]
) -> None:
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    try:
        if not sep or lines[0] != "c2sp.org/tlog-proof@v1" or not lines[1].startswith("index "):
            raise ValueError("header lines")
        index_text = lines[1][6:]
        if (
            not index_text.isascii()
            or not index_text.isdigit()
            or str(int(index_text)) != index_text
        ):
            raise ValueError("index")
        path = [b64(line) for line in lines[2:]]
        if any(len(p) != 32 for p in path):
            raise ValueError("hash size")
        cut = note.rfind("\n\n")
        body, sigs = note[: cut + 1], note[cut + 2 :]
        if cut < 0 or not sigs.endswith("\n"):
            raise ValueError("note")
        origin, size_text, root_text, *rest = body.split("\n")
        if rest != [""] or not size_text.isdigit() or str(int(size_text)) != size_text:
            raise ValueError("checkpoint text")
        size, root = int(size_text), b64(root_text)
        signatures = []
        for line in sigs[:-1].split("\n"):
            if not line.startswith("\u2014 "):
                raise ValueError("signature line")
            name, _, encoded = line[2:].partition(" ")
            raw = b64(encoded)
            signatures.append((name, raw[:4], raw[4:]))
    except (ValueError, IndexError) as error:
        raise RejectError("BAD_CHECKPOINT", str(error)) from None
    if origin != "lantan/" + chain:
        raise RejectError("CHECKPOINT_WRONG_CHAIN")
    if any(c["header"]["height"] >= size for c in changes):
        raise RejectError("BAD_SET_CHANGE", "a change beyond the checkpoint")
    vset = set_in_force(v0, changes, size - 1)
    known = {
        (m["name"], note_key_id(m["name"], bytes.fromhex(m["public_key"]))): m["public_key"]
        for m in vset["validators"]
    }
    good = set()
    for name, key_id, signature in signatures:
        key = known.get((name, key_id))
        if key is None:
            continue
        if not ed25519_ok(bytes.fromhex(key), body.encode("utf-8"), signature):
            raise RejectError("BAD_CHECKPOINT", "line does not verify")
        good.add(key)
    if len(good) < vset["quorum"]:
        raise RejectError("CHECKPOINT_QUORUM")
    index = int(index_text)
    if index != header["height"] or index >= size:
        raise RejectError("BAD_HISTORY_PROOF", "index")
    if merkle_root_from_path(index, size, jcs(header), path) != root:
        raise RejectError("BAD_HISTORY_PROOF", "root")


# --- §14.7 record schemas ---------------------------------------------------------------------

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
HASH_RE = re.compile(r"[0-9a-f]{64}")
ROLES = {"issuer", "trading_centre", "court", "procuratorate", "auditor", "validator"}


def is_int(v: Any, minimum: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and minimum <= v < 2**53


def is_slug(v: Any) -> bool:
    return isinstance(v, str) and SLUG_RE.fullmatch(v) is not None


def is_hash(v: Any) -> bool:
    return isinstance(v, str) and HASH_RE.fullmatch(v) is not None


def is_list(v: Any, item: Any, most: int = 100_000) -> bool:
    return isinstance(v, list) and len(v) <= most and all(item(i) for i in v)


def is_range(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(is_int(x, 1) for x in v) and (v[0] <= v[1])


def is_obligor(v: Any) -> bool:
    return (
        isinstance(v, dict)
        and set(v) == {"masked_name", "id_hash"}
        and text(v["masked_name"], 32)
        and is_hash(v["id_hash"])
    )


def txt(v: Any) -> bool:
    return text(v, 4096)


def maybe(check: Any) -> Any:
    return lambda v: v is None or check(v)


SCHEMAS: dict[str, dict[str, Any]] = {
    "retirement": {
        "retirement_id": is_hash, "kind": txt, "account_id": is_slug, "batch_id": is_slug,
        "quantity_kg": lambda v: is_int(v, 1), "ranges": lambda v: is_list(v, is_range),
        "beneficiary": txt, "purpose": txt, "reason": txt, "case_id": maybe(is_slug),
        "confirmed_by": maybe(is_hash), "height": is_int, "time_ms": is_int,
    },
    "serials": {
        "batch_id": is_slug, "first_serial": lambda v: is_int(v, 1),
        "last_serial": lambda v: is_int(v, 1),
        "status": lambda v: v in ("active", "frozen", "retired", "cancelled", "buffer"),
        "account_id": maybe(is_slug), "frozen_by": maybe(is_slug),
        "retirement_id": maybe(is_hash), "case_id": maybe(is_slug),
    },
    "batch": {
        "batch_id": is_slug, "project_id": is_slug, "verification_id": is_slug,
        "vintage": is_int, "quantity_kg": is_int, "buffer_kg": is_int, "retired_kg": is_int,
        "cancelled_kg": is_int, "tx_id": is_hash,
    },
    "project": {
        "project_id": is_slug, "name_zh": txt, "name_en": txt, "ecosystem": txt,
        "location": txt, "accounting_standard": txt, "owner": txt, "issuer": is_slug,
        "document_hashes": lambda v: is_list(v, is_hash),
    },
    "key": {"public_key": is_hash, "institution_id": is_slug},
    "institution": {
        "institution_id": is_slug, "name_zh": txt, "name_en": txt,
        "roles": lambda v: is_list(v, lambda r: r in ROLES, 6),
        "public_keys": lambda v: is_list(v, is_hash, 16),
    },
    "case": {
        "case_id": is_slug, "court": is_slug, "case_number": txt, "case_type": txt,
        "plaintiff": maybe(is_slug), "registered_by": is_slug,
        "obligors": lambda v: is_list(v, is_obligor), "required_kg": is_int,
        "retired_kg": is_int, "document_hash": is_hash,
        "retirement_ids": lambda v: is_list(v, is_hash),
    },
}  # fmt: skip


def schema_checked(key: str, record: dict[str, Any]) -> dict[str, Any]:
    schema = SCHEMAS[key.partition("/")[0]]
    if set(record) != set(schema) or not all(ok(record[f]) for f, ok in schema.items()):
        raise RejectError("MALFORMED", f"{key} breaks its schema")
    return record


# --- §14.4 -------------------------------------------------------------------------------------


def verify(receipt_bytes: bytes, genesis_bytes: bytes) -> tuple[str | None, dict[str, Any]]:
    try:
        return None, _verify(receipt_bytes, genesis_bytes)
    except RejectError as rejection:
        return rejection.code, {}


def _verify(receipt_bytes: bytes, genesis_bytes: bytes) -> dict[str, Any]:
    genesis = json.loads(genesis_bytes)
    chain = sha(TAG_GENESIS + jcs(genesis)).hex()
    v0 = genesis["validators"]
    try:
        # Strict UTF-8 without a byte-order mark (json.loads(bytes) would strip one).
        receipt = json.loads(
            receipt_bytes.decode("utf-8"),
            object_pairs_hook=no_duplicates,
            parse_constant=no_constant,
        )
        receipt_hash = sha(jcs(receipt)).hex()
    except (ValueError, AssertionError, TypeError):
        raise RejectError("MALFORMED", "not JSON of the protocol's value domain") from None
    form(receipt)
    t = receipt["retirement_id"]
    tx, block = receipt["tx"], receipt["block"]
    header, cert = block["header"], block["certificate"]

    # 2. set changes
    changes = receipt["validator_sets"]
    current, last = v0, -1
    for change in changes:
        h = change["header"]
        if h["height"] <= last or h["chain_id"] != chain:
            raise RejectError("BAD_SET_CHANGE", "order/chain")
        if h["validators_hash"] != set_hash(current).hex():
            raise RejectError("BAD_SET_CHANGE", "set")
        if h["next_validators_hash"] == h["validators_hash"]:
            raise RejectError("BAD_SET_CHANGE", "no change")
        check_set(change["next_validators"])
        if set_hash(change["next_validators"]).hex() != h["next_validators_hash"]:
            raise RejectError("BAD_SET_CHANGE", "preimage")
        check_certificate(change["certificate"], h, chain, current)
        current, last = change["next_validators"], h["height"]

    # 3. block
    if header["chain_id"] != chain:
        raise RejectError("WRONG_CHAIN")
    vset = set_in_force(v0, changes, header["height"])
    if header["protocol_version"] != 1 or header["height"] != tx["height"]:
        raise RejectError("BAD_CHAIN", "height")
    if header["validators_hash"] != set_hash(vset).hex():
        raise RejectError("BAD_CHAIN", "set")
    if any(c["header"]["height"] == header["height"] and c["header"] != header for c in changes):
        raise RejectError("BAD_CHAIN", "two headers")
    listed = any(c["header"]["height"] == header["height"] for c in changes)
    if header["next_validators_hash"] != header["validators_hash"] and not listed:
        raise RejectError("BAD_CHAIN", "the block's own set change is not listed")
    signers = check_certificate(cert, header, chain, vset)

    # 4. transaction
    signed = tx["signed_tx"]
    unsigned = signed["tx"]
    signing_bytes = TAG_TX + jcs(unsigned)
    if sha(signing_bytes).hex() != t:
        raise RejectError("WRONG_RETIREMENT")
    if unsigned["chain_id"] != chain:
        raise RejectError("WRONG_CHAIN", "tx")
    if unsigned["protocol_version"] != 1 or unsigned["expires_at_ms"] < header["time_ms"]:
        raise RejectError("BAD_CHAIN", "a block may not hold this tx (§4)")
    if unsigned["type"] not in ("credits.retire_judicial", "credits.retire"):
        raise RejectError("NOT_A_RETIREMENT")
    keys = [s["public_key"] for s in signed["signatures"]]
    if keys != sorted(set(keys), key=bytes.fromhex) or unsigned["sender"] not in keys:
        raise RejectError("BAD_TX_SIGNATURE", "set of signers")
    for s in signed["signatures"]:
        if not ed25519_ok(
            bytes.fromhex(s["public_key"]), signing_bytes, bytes.fromhex(s["signature"])
        ):
            raise RejectError("BAD_TX_SIGNATURE")
    tp, rp = tx["tx_proof"], tx["result_proof"]
    if tp["leaf_index"] != tx["index"] or merkle_root_from_path(
        tx["index"], tp["tree_size"], jcs(signed), tp["_hashes"]
    ) != bytes.fromhex(header["tx_root"]):
        raise RejectError("BAD_TX_PROOF")
    result = tx["result"]
    if (
        result["tx_id"] != t
        or rp["leaf_index"] != tx["index"]
        or rp["tree_size"] != tp["tree_size"]
        or merkle_root_from_path(tx["index"], rp["tree_size"], jcs(result), rp["_hashes"])
        != bytes.fromhex(header["results_root"])
    ):
        raise RejectError("BAD_RESULT_PROOF")
    if result["status"] != "accepted":
        raise RejectError("TX_NOT_ACCEPTED", str(result["reason"]))

    # 5. checkpoint
    check_history(receipt["history_proof"], chain, header, v0, changes)

    # 6. state proofs
    state_keys = [e["key"].encode("utf-8") for e in receipt["state"]]
    if state_keys != sorted(set(state_keys)):
        raise RejectError("MALFORMED", "state order")
    root = bytes.fromhex(header["state_root"])
    records: dict[str, Any] = {}
    for entry in receipt["state"]:
        if not smt_ok(root, entry["key"], entry["value"], entry["proof"]):
            raise RejectError("BAD_STATE_PROOF", entry["key"])
        records[entry["key"]] = entry["value"]

    # 7. required records
    needed: set[str] = set()

    def need(key: str) -> dict[str, Any]:
        needed.add(key)
        if records.get(key) is None:
            raise RejectError("MISSING_RECORD", key)
        record: dict[str, Any] = records[key]
        return schema_checked(key, record)

    r = need(f"retirement/{t}")
    for first, _last in r["ranges"]:
        need(f"serials/{r['batch_id']}/{first:016d}")
    batch = need(f"batch/{r['batch_id']}")
    project = need(f"project/{batch['project_id']}")
    for key in keys:
        needed.add(f"key/{key}")
        if f"key/{key}" not in records:
            raise RejectError("MISSING_RECORD", f"key/{key}")
        if records[f"key/{key}"] is not None:
            key_record = schema_checked(f"key/{key}", records[f"key/{key}"])
            need(f"institution/{key_record['institution_id']}")
    case = court = None
    if r["case_id"] is not None:
        case = need(f"case/{r['case_id']}")
        court = need(f"institution/{case['court']}")
    if set(records) - needed:
        raise RejectError("UNEXPECTED_RECORD", str(sorted(set(records) - needed)))

    # 8. meaning
    body = unsigned["body"]
    judicial = unsigned["type"] == "credits.retire_judicial"
    if (
        r["retirement_id"] != t
        or r["height"] != tx["height"]
        or r["kind"] != ("judicial" if judicial else "voluntary")
        or r["account_id"] != body.get("account_id")
        or r["batch_id"] != body.get("batch_id")
        or r["quantity_kg"] != body.get("quantity_kg")
        or (judicial and r["case_id"] != body.get("case_id"))
        or (not judicial and (r["case_id"] is not None or r["confirmed_by"] is not None))
        or r["time_ms"] != header["time_ms"]
        or r["beneficiary"] != body.get("beneficiary")
        or r["purpose"] != ("alternative_restoration" if judicial else body.get("purpose"))
        or (not judicial and r["reason"] != body.get("reason"))
    ):
        raise RejectError("RETIREMENT_MISMATCH")
    previous, total = 0, 0
    for first, last_serial in r["ranges"]:
        if first <= previous or last_serial < first:
            raise RejectError("QUANTITY_MISMATCH", "ranges")
        previous, total = last_serial, total + last_serial - first + 1
    if total != r["quantity_kg"]:
        raise RejectError("QUANTITY_MISMATCH")
    for first, last_serial in r["ranges"]:
        block_record = records[f"serials/{r['batch_id']}/{first:016d}"]
        expected = {
            "batch_id": r["batch_id"],
            "first_serial": first,
            "last_serial": last_serial,
            "status": "retired",
            "retirement_id": t,
            "case_id": r["case_id"],
            "account_id": r["account_id"],
            "frozen_by": None,
        }
        if any(block_record.get(name) != value for name, value in expected.items()):
            raise RejectError("SERIALS_MISMATCH")
    if batch["batch_id"] != r["batch_id"] or project["project_id"] != batch["project_id"]:
        raise RejectError("RECORD_MISMATCH")
    for key, value in records.items():
        kind, _, name = key.partition("/")
        field = {"key": "public_key", "institution": "institution_id"}.get(kind)
        if value is not None and field is not None and value[field] != name:
            raise RejectError("RECORD_MISMATCH", key)
    if case is not None and court is not None:
        if case["case_id"] != r["case_id"] or t not in case["retirement_ids"]:
            raise RejectError("CASE_MISMATCH")
        court_key = r["confirmed_by"]
        court_record = records.get(f"key/{court_key}")
        if (
            court_key not in keys
            or court_record is None
            or court_record["institution_id"] != case["court"]
            or "court" not in court["roles"]
            or court_key not in court["public_keys"]
        ):
            raise RejectError("COURT_ROLE_MISSING")
    # 9. identity (§14.6)
    identity = {
        "block_hash": sha(TAG_HEADER + jcs(header)).hex(),
        "result": result,
        "retirement_id": t,
        "signed_tx": signed,
        "state": [{"key": e["key"], "value": e["value"]} for e in receipt["state"]],
    }
    digest = sha(TAG_RECEIPT + jcs(identity)).hex()
    if receipt["receipt_version"] == 2 and receipt["receipt_digest"] != digest:
        raise RejectError("DIGEST_MISMATCH")
    names = {m["public_key"]: m["name"] for m in vset["validators"]}
    return {
        "receipt_version": receipt["receipt_version"],
        "receipt_digest": digest,
        "court": None if court is None else court["name_zh"],
        "case_number": None if case is None else case["case_number"],
        "quantity_kg": r["quantity_kg"],
        "ranges": r["ranges"],
        "height": header["height"],
        "signed_by": sorted(names[k] for k in signers),
        "validators": len(vset["validators"]),
        "quorum": vset["quorum"],
        "receipt_hash": receipt_hash,
    }
