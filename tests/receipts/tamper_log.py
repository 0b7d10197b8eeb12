"""Tamper cases for receipt format 3: set-change headers bound to the checkpoint's log.

The corpus chain never changes its set, so these cases forge a log in which it does: the
receipt's block at height h, a set change at h + 1 (V0 to V1, V1 the same validators with
quorum n) and header h + 2 certified by V1, checkpoint size h + 3, every signature by the
validators' own keys. Only format 3's checks (PROTOCOL.md §14.4 step 5, ADR 0015) can tell
a logged change from one signed outside the log or left out.
"""

import base64
import copy
from typing import Any

from protocol.encoding import encode
from protocol.hashing import Hash32, sha256
from protocol.log import MemoryLogStore, MerkleLog
from protocol.note import checkpoint_at_height, format_signed_note, sign_note
from tests.receipts.tamper import Receipt, TamperCase, as_version_2, flip_hex
from tests.receipts.tamper_holes import Keys, set_hash, signed_change
from tests.receipts.tamper_reseal import redigest

STEP5_V3 = "§14.4 step 5, version 3"


def _log_receipt(
    r: Receipt,
    keys: Keys,
    genesis_set: dict[str, Any],
    *,
    logged: bool = True,
    next_set: dict[str, Any] | None = None,
    change_at_top: bool = False,
) -> Receipt:
    """r with a forged log holding a set change after its block (logged=False: the change
    is certified but the log holds another leaf at its height). The new set is next_set,
    by default V0 with quorum n. change_at_top: the log ends at the change, so the change
    header is header N - 1 (checkpoint_header) and the checkpoint is still V0's."""
    x = copy.deepcopy(r)
    block = x["block"]["header"]
    h = block["height"]
    if next_set is None:
        next_set = copy.deepcopy(genesis_set)
        next_set["quorum"] = len(next_set["validators"])
    change_header = {
        **block,
        "height": h + 1,
        "validators_hash": set_hash(genesis_set),
        "next_validators_hash": set_hash(next_set),
    }
    last = {**block, "height": h + 2, "validators_hash": set_hash(next_set)}
    last["next_validators_hash"] = last["validators_hash"]
    log = MerkleLog(MemoryLogStore())
    for height in range(h):
        log.append(sha256(b"forged history %d" % height))
    log.append(encode(block))
    log.append(encode(change_header) if logged else sha256(b"another header"))
    if change_at_top:
        last = change_header
    else:
        log.append(encode(last))
    size = last["height"] + 1
    chain_id = Hash32(bytes.fromhex(block["chain_id"]))
    text = checkpoint_at_height(chain_id=chain_id, height=size - 1, root_hash=log.root()).body()
    note = format_signed_note(text, [sign_note(text, name, key) for name, key in keys])
    lines = ["c2sp.org/tlog-proof@v1", f"index {h}"]
    lines += [base64.b64encode(p).decode() for p in log.inclusion_proof(h, size)]
    x["history_proof"] = "\n".join(lines) + "\n\n" + note
    change = signed_change(change_header, keys, next_set)
    change["history_path"] = [p.hex() for p in log.inclusion_proof(h + 1, size)]
    x["validator_sets"] = [change]
    x["checkpoint_header"] = {
        "header": last,
        "history_path": [p.hex() for p in log.inclusion_proof(size - 1, size)],
    }
    return redigest(x)


def _left_out_in_version_2(x: Receipt) -> None:
    x["validator_sets"] = []
    as_version_2(x)


def renamed_set(genesis_set: dict[str, Any], name: str) -> dict[str, Any]:
    """V0 with its first validator renamed (and its verifier key re-derived for the name)."""
    renamed = copy.deepcopy(genesis_set)
    member = renamed["validators"][0]
    public_key = bytes.fromhex(member["public_key"])
    key_id = sha256(name.encode() + b"\n\x01" + public_key)[:4]
    key_data = base64.b64encode(b"\x01" + public_key).decode()
    member.update(name=name, note_verifier_key=f"{name}+{key_id.hex()}+{key_data}")
    return renamed


def name_bound_cases(r: Receipt, keys: Keys, genesis_set: dict[str, Any]) -> list[TamperCase]:
    """§7: a validator name has at most 128 code points (UTF-16 units do not count). The
    renamed validator's checkpoint line no longer counts; the other two still make q = 2, so
    only the bound tells the two cases apart."""
    rule = "§7: a validator name has at most 128 Unicode code points"
    longest = renamed_set(genesis_set, "\U0001d54f" * 128)
    too_long = renamed_set(genesis_set, "x" * 129)
    return [
        TamperCase(
            "a new set with a validator name of 128 code points outside the BMP",
            encode(_log_receipt(r, keys, genesis_set, next_set=longest)),
            "",
            rule,
        ),
        TamperCase(
            "a new set with a validator name of 129 characters",
            encode(_log_receipt(r, keys, genesis_set, next_set=too_long)),
            "BAD_SET_CHANGE",
            rule,
        ),
    ]


def announced_at_top_cases(r: Receipt, keys: Keys, genesis_set: dict[str, Any]) -> list[TamperCase]:
    """Hole 4 at the checkpoint's end: header N - 1 changes the set itself
    (next_validators_hash != validators_hash). The change takes effect at N, so the set in
    force at N - 1 is still V0, the checkpoint's quorum and header N - 1's validators_hash
    both check out, and only step 5's last sentence sees the change left out."""
    listed = _log_receipt(r, keys, genesis_set, change_at_top=True)
    unlisted = copy.deepcopy(listed)
    unlisted["validator_sets"] = []
    return [
        TamperCase(
            "format 3: header N - 1 changes the set and the change is listed (control)",
            encode(listed),
            "",
            f"{STEP5_V3}: a listed set change at N - 1 is below N, so it may be listed",
        ),
        TamperCase(
            "format 3: header N - 1 announces a set change that is not listed",
            encode(unlisted),
            "BAD_SET_CHANGE",
            f"{STEP5_V3}: when checkpoint_header's next_validators_hash differs from its "
            "validators_hash a set change at height N - 1 is listed",
        ),
    ]


def log_binding_cases(r: Receipt, keys: Keys, genesis_set: dict[str, Any]) -> list[TamperCase]:
    """Hole 4's last part: a change not in the log, a wrong path, a change left out."""
    logged = _log_receipt(r, keys, genesis_set, logged=True)

    def edited(name: str, code: str, rule: str, edit: Any, base: Receipt = logged) -> TamperCase:
        x = copy.deepcopy(base)
        edit(x)
        return TamperCase(name, encode(x), code, rule)

    def flip_path(x: Receipt, where: dict[str, Any]) -> None:
        where["history_path"][0] = flip_hex(where["history_path"][0])

    return [
        TamperCase(
            "format 3: a logged set change between block and checkpoint (control)",
            encode(logged),
            "",
            "§14.4: a receipt that passes every step is VALID",
        ),
        TamperCase(
            "format 3: a certified set-change header that is not in the log",
            encode(_log_receipt(r, keys, genesis_set, logged=False)),
            "BAD_HISTORY_PROOF",
            f"{STEP5_V3}: each change's history_path gives the checkpoint's root",
        ),
        edited(
            "format 3: a set change's history_path with a wrong hash",
            "BAD_HISTORY_PROOF",
            f"{STEP5_V3}: each change's history_path gives the checkpoint's root",
            lambda x: flip_path(x, x["validator_sets"][0]),
        ),
        edited(
            "format 3: a checkpoint_header history_path with a wrong hash",
            "BAD_HISTORY_PROOF",
            f"{STEP5_V3}: checkpoint_header is leaf N - 1 of the checkpoint",
            lambda x: flip_path(x, x["checkpoint_header"]),
        ),
        edited(
            "format 3: checkpoint_header is not header N - 1",
            "BAD_HISTORY_PROOF",
            f"{STEP5_V3}: checkpoint_header.header.height = N - 1",
            lambda x: x.update(checkpoint_header=copy.deepcopy(r["checkpoint_header"])),
        ),
        edited(
            "format 3: a set change left out",
            "BAD_SET_CHANGE",
            f"{STEP5_V3}: header N - 1's validators_hash is the set in force at N - 1",
            lambda x: x.update(validator_sets=[]),
        ),
        edited(
            "format 2: the same set change left out, not detectable without format 3",
            "",
            "§14.1: version 2 has no checkpoint_header; ADR 0015 says why format 3 adds it",
            _left_out_in_version_2,
        ),
    ]
