"""A retirement-receipt verifier written from docs/PROTOCOL.md (§1-§10, §14) alone.

It and its parts (independent_form.py, independent_proofs.py, independent_schemas.py)
import nothing of Lantan: only the standard library and PyNaCl (Ed25519). Its purpose
is to show the specification is complete: it must accept every valid receipt and reject
every tampered one, and it reports the §14.4 code of the first failing step.

    verify(receipt_bytes, genesis_bytes) -> (code or None, facts dict)
"""

import json
from typing import Any

from tests.receipts.independent_form import (
    TAG_GENESIS,
    TAG_HEADER,
    TAG_RECEIPT,
    TAG_TX,
    RejectError,
    ed25519_ok,
    form,
    jcs,
    no_constant,
    no_duplicates,
    sha,
)
from tests.receipts.independent_proofs import (
    check_certificate,
    check_history,
    check_log_binding,
    check_set,
    merkle_root_from_path,
    set_hash,
    set_in_force,
    smt_ok,
)
from tests.receipts.independent_schemas import schema_checked

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
    size, checkpoint_root = check_history(
        receipt["history_proof"], chain, header, v0, changes, witnesses=genesis.get("witnesses")
    )
    if receipt["receipt_version"] in (3, 4):
        check_log_binding(receipt, size, checkpoint_root, v0, changes)

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

    def present(key: str) -> dict[str, Any] | None:
        """A key the receipt holds either way: a record, or null (proven absent)."""
        needed.add(key)
        if key not in records:
            raise RejectError("MISSING_RECORD", key)
        return None if records[key] is None else schema_checked(key, records[key])

    r = need(f"retirement/{t}")
    for first, _last in r["ranges"]:
        need(f"serials/{r['batch_id']}/{first:016d}")
    batch = need(f"batch/{r['batch_id']}")
    project = need(f"project/{batch['project_id']}")
    verification = attested = verifier = None
    if receipt["receipt_version"] == 4:
        # Format 4: the verification behind the batch, recorded by the issuer or attested.
        verification = present(f"verification/{batch['verification_id']}")
        if verification is None:
            attested = need(f"attested_verification/{batch['verification_id']}")
            verifier = need(f"institution/{attested['verifier']}")
    for key in keys:
        key_record = present(f"key/{key}")
        if key_record is not None:
            need(f"institution/{key_record['institution_id']}")
    case = court = judgment = closure = None
    if r["case_id"] is not None:
        case = need(f"case/{r['case_id']}")
        court = need(f"institution/{case['court']}")
        if receipt["receipt_version"] == 4:
            judgment = present(f"case_judgment/{r['case_id']}")
            closure = present(f"case_closure/{r['case_id']}")
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
    proven = verification or attested
    if proven is not None and (
        proven["verification_id"] != batch["verification_id"]
        or proven["project_id"] != batch["project_id"]
    ):
        raise RejectError("RECORD_MISMATCH", "the verification is not the batch's")
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
        if any(x is not None and x["case_id"] != case["case_id"] for x in (judgment, closure)):
            raise RejectError("CASE_MISMATCH", "a judgment or closure of another case")
        if receipt["receipt_version"] == 4 and not (
            r["quantity_kg"] <= case["retired_kg"] <= case["required_kg"]
        ):
            raise RejectError("CASE_MISMATCH", "the case's total cannot hold this retirement")
    # 9. identity (§14.6)
    identity = {
        "block_hash": sha(TAG_HEADER + jcs(header)).hex(),
        "result": result,
        "retirement_id": t,
        "signed_tx": signed,
        "state": [{"key": e["key"], "value": e["value"]} for e in receipt["state"]],
    }
    digest = sha(TAG_RECEIPT + jcs(identity)).hex()
    if receipt["receipt_version"] >= 2 and receipt["receipt_digest"] != digest:
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
        "case_status": None if case is None or receipt["receipt_version"] < 4 else {
            # PROTOCOL.md §14.4: closed > satisfied > judgment > registered.
            "status": "closed" if closure else "satisfied"
            if case["retired_kg"] >= case["required_kg"] else "judgment" if judgment
            else "registered",
            "retired_kg": case["retired_kg"], "required_kg": case["required_kg"],
            "satisfies": case["retired_kg"] == case["required_kg"]
            and case["retirement_ids"][-1] == t,
            "compensation_fen": judgment["compensation_fen"] if judgment else None,
        },
        "verification": None if proven is None else {
            "verification_id": proven["verification_id"],
            "verifier": (verifier or {}).get("name_zh", proven.get("verification_body")),
            "period": [proven["period_start"], proven["period_end"]],
            "net_sink_kg": proven["net_sink_kg"] if attested else proven["verified_kg"],
        },
    }  # fmt: skip
