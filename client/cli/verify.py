"""`lantan verify receipt` (offline) and `lantan verify tx` (against a node). I/O shell.

Verification itself is pure (client/receipt/verify.py, client/receipt/tx_proof.py); this module
reads files, fetches proofs over HTTP and prints the result. A receipt or tx that does not
verify prints its reason code and exits 1.
"""

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any, Final

from client.api import NodeClient, encode_path_segment
from client.cli.support import (
    EXIT_FAILURE,
    EXIT_OK,
    Subparsers,
    add_json_option,
    add_node_option,
    guarded,
    print_json,
)
from client.errors import (
    ClientError,
    NodeError,
    NodeRejectedError,
    NodeResponseError,
    UsageError,
    served_other_text,
)
from client.genesis_file import add_genesis_option, require_chain, require_same_chain
from client.id_prefix import resolve_tx_id
from client.node_pool import NodePool, node_urls
from client.receipt.codes import ALTERED_CODES, ReceiptCode, ReceiptError
from client.receipt.facts import ReceiptFacts
from client.receipt.history import SIGNATURES_FAIL_TOO
from client.receipt.key_status import later_status
from client.receipt.summary import facts_json, summary_lines, time_text
from client.receipt.tx_proof import TxFacts, verify_tx_proof
from client.receipt.verify import verify_receipt
from genesis.commands import add_group, report_failure
from genesis.document import parse_genesis
from protocol.errors import ProtocolError


def register_verify(subparsers: Subparsers) -> None:
    actions = add_group(subparsers, "verify", "verify a receipt offline, or a tx on a node")
    receipt = actions.add_parser(
        "receipt",
        help="verify a retirement receipt offline with the genesis file",
        description="Checks every signature and proof of FILE.json (docs/PROTOCOL.md §14) "
        "against the genesis file alone; prints the judge's summary and VALID, or the "
        "reason code and exits 1.",
    )
    receipt.add_argument("receipt", metavar="FILE.json")
    add_genesis_option(receipt, required=True, help="the network's genesis file")
    receipt.add_argument(
        "--key-status",
        metavar="URL",
        help="also check on this node whether each signing key was rotated or revoked"
        " after the tx (online; verified against a certified block, not part of the receipt)",
    )
    add_json_option(receipt)
    receipt.set_defaults(handler=guarded("verify receipt", run_verify_receipt))
    tx = actions.add_parser(
        "tx",
        help="check a tx is in a certified block and ACCEPTED (or print its rejection)",
    )
    tx.add_argument(
        "tx_id", metavar="TX_ID", help="the tx id, or a unique prefix (>= 8 hex digits)"
    )
    add_node_option(tx)
    add_genesis_option(tx, required=True, help="the network's genesis file")
    add_json_option(tx)
    tx.set_defaults(handler=guarded("verify tx", run_verify_tx))


def read_input(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read the {what} {path}: {error.strerror}") from None


PDF_MAGIC: Final = b"%PDF-"


def read_receipt_input(path: str) -> bytes:
    """The receipt file's bytes; UsageError if it cannot be read, or if it is a PDF: the
    printable copy holds no proofs, and verifying it said only `INVALID: MALFORMED: invalid
    UTF-8`, a verdict on a file that is no receipt at all. Shared with `receipt pdf`."""
    receipt_bytes = read_input(path, "receipt")
    if receipt_bytes.startswith(PDF_MAGIC):
        raise UsageError(
            f"{path} is a PDF, a receipt's printable copy; verify the JSON receipt "
            "(`lantan receipt get RETIREMENT_ID --out FILE.json` saves it)"
        )
    if _is_genesis(receipt_bytes):
        raise UsageError(
            f"{path} is a genesis file, not a receipt; give it as --genesis, and the"
            " receipt's JSON file (`lantan receipt get RETIREMENT_ID --out FILE.json`) first"
        )
    return receipt_bytes


def _is_genesis(data: bytes) -> bool:
    """Whether data reads as a genesis file: given as the receipt, it was reported as a
    receipt missing its field 'receipt_version' (h57 F13)."""
    try:
        parse_genesis(data)
    except (ProtocolError, ValueError):
        return False
    return True


def run_verify_receipt(args: argparse.Namespace) -> int:
    receipt_bytes = read_receipt_input(args.receipt)
    return report_receipt(
        receipt_bytes, args.genesis.raw, as_json=args.json, key_status_node=args.key_status
    )


_OTHER_NETWORK_HINT = (
    "The receipt was not made on the network this genesis file defines. Check that the "
    "genesis file is that network's own (`lantan genesis verify FILE` prints its chain id; "
    "the network's operators publish theirs); with the right file, a receipt that still "
    "fails this check is not genuine."
)
_OTHER_NETWORK_OR_ALTERED_HINT = (
    "The receipt's checkpoint names another network, and its validators' signatures do not "
    "verify either: its checkpoint was altered after it was issued, or the receipt is "
    "another network's. Check that the genesis file is the network's own (`lantan genesis "
    "verify FILE` prints its chain id); with the right file, ask the registry for a fresh "
    "copy (`lantan receipt get`) and verify that one."
)
_ALTERED_HINT = (
    "This receipt does not match what the registry's validators certified: it was altered "
    "after it was issued, or damaged. Ask the registry for a fresh copy "
    "(`lantan receipt get`) and verify that one."
)
INVALID_HINTS: Final = {
    ReceiptCode.WRONG_CHAIN: _OTHER_NETWORK_HINT,
    ReceiptCode.CHECKPOINT_WRONG_CHAIN: _OTHER_NETWORK_HINT,
} | dict.fromkeys(ALTERED_CODES, _ALTERED_HINT)
"""A second line after INVALID where the usual cause is the verifier's input, not the
receipt: whoever reads INVALID should not conclude forgery from a mixed-up file."""
SERVED_ALTERED_HINT: Final = (
    "A node served this receipt, and it does not match what the registry's validators "
    "certified: it was not saved. Ask another of the registry's nodes (--node URL), and tell "
    "the operator of this one."
)
"""The altered hint for a receipt just fetched (`receipt get`, `receipt case`): "ask the
registry for a fresh copy" sent a clerk back to the node that had just served the forgery."""


NO_PDF_NOTE: Final = "No printable copy (PDF) was made."
"""After INVALID when a PDF was asked for (`receipt pdf`, `receipt get/case --pdf`)."""


def report_invalid(
    error: ReceiptError, *, as_json: bool, fetched: bool = False, pdf_asked: bool = False
) -> int:
    """INVALID with its code and detail, then the plain sentence of INVALID_HINTS: one
    wording for `verify receipt`, `receipt get/case` and `receipt pdf` (stop 57: `receipt
    pdf` gave the code alone, in developer words)."""
    hint = INVALID_HINTS.get(error.code)
    if error.code is ReceiptCode.CHECKPOINT_WRONG_CHAIN and SIGNATURES_FAIL_TOO in error.detail:
        hint = _OTHER_NETWORK_OR_ALTERED_HINT
    if fetched and error.code in ALTERED_CODES:
        hint = SERVED_ALTERED_HINT
    notes = [note for note in (hint, NO_PDF_NOTE if pdf_asked else None) if note is not None]
    if as_json:
        print_json(
            {"valid": False, "code": error.code.value, "detail": error.detail}
            | ({"hint": " ".join(notes)} if notes else {})
        )
    else:
        print(f"INVALID: {error.code.value}: {error.detail}")
        for note in notes:
            print(note)
    return EXIT_FAILURE


def report_receipt(
    receipt_bytes: bytes,
    genesis_bytes: bytes,
    *,
    as_json: bool,
    key_status_node: str | None = None,
    fetched: bool = False,
    pdf_asked: bool = False,
) -> int:
    """Verify and print; shared with `lantan receipt get --genesis` (fetched: the receipt
    came from a node just now, not from the user's file; pdf_asked: --pdf was given)."""
    try:
        facts = verify_receipt(receipt_bytes, genesis_bytes)
    except ReceiptError as error:
        return report_invalid(error, as_json=as_json, fetched=fetched, pdf_asked=pdf_asked)
    failure = None
    if key_status_node is not None:
        url = node_urls(key_status_node, option="--key-status")[0]
        try:
            facts = with_later_key_status(facts, genesis_bytes, url)
        except ClientError as error:
            # The offline verdict stands whatever the node does: print it, then why the
            # later key status is missing (exit 1: what was asked for is not all there).
            failure = str(error)
            if isinstance(error, NodeError):
                failure = f"the receipt is VALID, but its later key status is unknown: {error}"
    if as_json:
        print_json(facts_json(facts) | ({} if failure is None else {"key_status_error": failure}))
    else:
        print("\n".join(summary_lines(facts)))
        print("VALID")
    if failure is not None:
        # --key-status is verify receipt's option alone (receipt get has no such option).
        return report_failure("verify receipt", failure)
    return EXIT_OK


def with_later_key_status(facts: ReceiptFacts, genesis_bytes: bytes, url: str) -> ReceiptFacts:
    """facts with each institution key's later status, as the node at url proves it."""
    document = parse_genesis(genesis_bytes)
    keys = []
    with NodeClient(url) as node:
        require_chain(node, document.chain_id(), "the genesis file")
        sets = node.get_json("/v1/validator-sets", strict=True)
        for key in facts.signing_keys:
            if key.institution_id is None:
                keys.append(key)
                continue
            proof = node.get_json(f"/v1/proofs/state/key/{key.public_key}")
            height = proof.get("height") if isinstance(proof, dict) else None
            block = node.get_json(f"/v1/blocks/{height}")
            try:
                later = later_status(
                    key,
                    tx_height=facts.height,
                    answers=(proof, block, sets),
                    document=document,
                    source=url,
                )
            except ReceiptError as error:
                raise ClientError(
                    f"the receipt verifies, but {url}'s answer on key {key.public_key[:16]}…"
                    f" does not: {error}"
                ) from None
            keys.append(dataclasses.replace(key, later=later))
    return dataclasses.replace(facts, signing_keys=tuple(keys))


def run_verify_tx(args: argparse.Namespace) -> int:
    # One node answers every part (the first that can be reached), so the proof and the
    # sets come from the same chain view.
    with NodePool(node_urls(args.node)) as pool:
        return pool.first_answer(lambda node: _verify_tx_on(node, args))


def _verify_tx_on(node: NodeClient, args: argparse.Namespace) -> int:
    require_same_chain(node, args.genesis)
    tx_id = resolve_tx_id(node, args.tx_id)
    try:
        answer = node.get_json(f"/v1/proofs/tx/{encode_path_segment(tx_id)}", strict=True)
    except NodeRejectedError as error:
        if error.code != "NOT_FOUND":
            raise
        return _not_committed(node, tx_id, as_json=args.json)
    sets = node.get_json("/v1/validator-sets", strict=True)
    height = answer.get("height") if isinstance(answer, dict) else None
    keys = _signer_keys(answer)
    key_answers = [
        node.get_json(f"/v1/proofs/state/key/{key}", params={"height": str(height)}, strict=True)
        for key in keys
    ]
    try:
        facts = verify_tx_proof(answer, sets, key_answers, args.genesis.raw)
    except ReceiptError as error:
        print(f"INVALID: {error.code.value}: {error.detail}", file=sys.stderr)
        return EXIT_FAILURE
    if facts.tx_id != tx_id:
        # Every proof in the answer can be genuine, of another tx: a proxy that swapped the
        # id had any id, one never committed too, printed ACCEPTED (stop 56's JS auditor).
        raise NodeResponseError(node.url, served_other_text("tx proof", tx_id, facts.tx_id))
    _print_tx(facts, as_json=args.json)
    return EXIT_OK if facts.accepted else EXIT_FAILURE


def _signer_keys(answer: Any) -> list[str]:
    try:
        return [str(s["public_key"]) for s in answer["signed_tx"]["signatures"]]
    except (KeyError, TypeError):
        raise ClientError("the node's tx proof has no signatures") from None


def _not_committed(node: NodeClient, tx_id: str, *, as_json: bool) -> int:
    status = node.tx_status(tx_id)
    if as_json:
        print_json({"tx_id": tx_id, "status": status.status, "reason": status.reason})
    else:
        reason = f" ({status.reason})" if status.reason else ""
        print(f"tx {tx_id} is not in a committed block: {status.status}{reason}")
    return EXIT_FAILURE


def _print_tx(facts: TxFacts, *, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "tx_id": facts.tx_id,
                "type": facts.tx_type,
                "height": facts.height,
                "index": facts.index,
                "time_ms": facts.time_ms,
                "status": "accepted" if facts.accepted else "rejected",
                "reason": facts.reason,
                "signers": [
                    {"public_key": s.public_key, "institution_id": s.institution_id}
                    for s in facts.signers
                ],
                "certified_by": list(facts.certified_by),
                "validator_count": facts.validator_count,
                "quorum": facts.quorum,
            }
        )
        return
    verdict = "ACCEPTED" if facts.accepted else f"REJECTED ({facts.reason})"
    print(f"tx        {facts.tx_id} ({facts.tx_type})")
    print(f"block     height {facts.height}, index {facts.index}, {time_text(facts.time_ms)}")
    for signer in facts.signers:
        who = signer.institution_id or "account holder (no institution)"
        print(f"signer    {signer.public_key[:16]}… {who}")
    print(
        f"certified {len(facts.certified_by)} of {facts.validator_count}, q = {facts.quorum}: "
        + ", ".join(facts.certified_by)
    )
    print(verdict)
