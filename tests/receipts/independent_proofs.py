"""The independent verifier's proofs, from docs/PROTOCOL.md alone: RFC 9162 inclusion (§6),
validator sets and certificates (§7, §8.2), sparse Merkle proofs (§9), notes and the
tlog-proof (§10, §14.3). Imports nothing of Lantan."""

import base64
from collections.abc import Iterator
from typing import Any, TypeVar

from tests.receipts.independent_form import (
    EMPTY,
    TAG_HEADER,
    TAG_VALIDATORS,
    TAG_VOTE,
    RejectError,
    ed25519_ok,
    hexbytes,
    jcs,
    obj,
    sha,
)

T = TypeVar("T")

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
        if not isinstance(name, str) or len(name) > 128:
            raise RejectError("BAD_SET_CHANGE", "name longer than 128 code points")
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
    text: str,
    chain: str,
    header: dict[str, Any],
    v0: Any,
    changes: list[Any],
    *,
    witnesses: dict[str, Any] | None = None,
) -> tuple[int, bytes]:
    """Step 5 up to the block header's inclusion; returns the checkpoint's size and root."""
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
            if not name or "+" in name or any(c.isspace() or c < " " for c in name):
                raise ValueError("key name")  # on every line, an unknown key's too
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
    for key, signature in lines_of_known_keys(signatures, known):
        if not ed25519_ok(bytes.fromhex(key), body.encode("utf-8"), signature):
            raise RejectError("BAD_CHECKPOINT", "line does not verify")
        good.add(key)
    if len(good) < vset["quorum"]:
        raise RejectError("CHECKPOINT_QUORUM")
    if witnesses is not None:
        check_cosignatures(body, signatures, witnesses)
    index = int(index_text)
    if index != header["height"] or index >= size:
        raise RejectError("BAD_HISTORY_PROOF", "index")
    if merkle_root_from_path(index, size, jcs(header), path) != root:
        raise RejectError("BAD_HISTORY_PROOF", "root")
    return size, root


def check_log_binding(
    receipt: dict[str, Any], size: int, root: bytes, v0: Any, changes: list[Any]
) -> None:
    """Step 5, version 3: change headers and header N - 1 are leaves of the checkpoint."""
    for change in changes:
        h = change["header"]
        path = [bytes.fromhex(p) for p in change["history_path"]]
        if merkle_root_from_path(h["height"], size, jcs(h), path) != root:
            raise RejectError("BAD_HISTORY_PROOF", "set change not in the log")
    last = receipt["checkpoint_header"]
    h = last["header"]
    path = [bytes.fromhex(p) for p in last["history_path"]]
    if h["height"] != size - 1 or merkle_root_from_path(size - 1, size, jcs(h), path) != root:
        raise RejectError("BAD_HISTORY_PROOF", "checkpoint_header")
    if h["validators_hash"] != set_hash(set_in_force(v0, changes, size - 1)).hex():
        raise RejectError("BAD_SET_CHANGE", "a change is missing")
    listed = any(c["header"]["height"] == size - 1 for c in changes)
    if h["next_validators_hash"] != h["validators_hash"] and not listed:
        raise RejectError("BAD_SET_CHANGE", "the last header's change is missing")


def lines_of_known_keys(
    signatures: list[tuple[str, bytes, bytes]], known: dict[tuple[str, bytes], T]
) -> Iterator[tuple[T, bytes]]:
    """(known[name, key id], signature bytes) per line; a line of an unknown key is
    skipped, not refused (c2sp.org/signed-note)."""
    for name, key_id, raw in signatures:
        entry = known.get((name, key_id))
        if entry is not None:
            yield entry, raw


def check_cosignatures(
    body: str, signatures: list[tuple[str, bytes, bytes]], witnesses: dict[str, Any]
) -> None:
    """c2sp.org/tlog-cosignature, Ed25519: key id SHA-256(name || 0x0A || 0x04 || key)[:4];
    line bytes = 8-byte big-endian timestamp || signature over
    "cosignature/v1\\ntime <t>\\n" || note text; the genesis asks `quorum` witnesses."""
    known = {
        (w["name"], sha(w["name"].encode() + b"\n\x04" + bytes.fromhex(w["public_key"]))[:4]): w
        for w in witnesses["witnesses"]
    }
    good = set()
    for witness, raw in lines_of_known_keys(signatures, known):
        stamp = int.from_bytes(raw[:8], "big")
        message = b"cosignature/v1\ntime %d\n" % stamp + body.encode("utf-8")
        if len(raw) != 72 or stamp >= 1 << 63:
            raise RejectError("BAD_CHECKPOINT", "cosignature line shape")
        if not ed25519_ok(bytes.fromhex(witness["public_key"]), message, raw[8:]):
            raise RejectError("BAD_CHECKPOINT", "cosignature does not verify")
        good.add(witness["name"])
    if len(good) < witnesses["quorum"]:
        raise RejectError("WITNESS_QUORUM")
