"""`lantan receipt get`, `receipt case` (and `receipt pdf`, from client/cli/receipt_pdf.py).
I/O shell.

`get` fetches GET /v1/receipts/{id} (retrying while the node has no checkpoint above the
retirement yet), writes the canonical bytes, and with --genesis verifies them offline.
`case` fetches a case (GET /v1/cases/{id}) and, when its judicial retirements reach its
required kg, the case-satisfied receipt: the format-4 receipt of its last retirement, the
one that brought retired_kg to required_kg (ADR 0030).
"""

import argparse
import os
import time
from pathlib import Path

from client.api import NodeClient, encode_path_segment
from client.cli.progress import spinner
from client.cli.support import (
    EXIT_OK,
    Subparsers,
    add_json_option,
    add_node_option,
    guarded,
    print_json,
    refuse_existing_out,
)
from client.cli.verify import report_receipt
from client.errors import (
    ClientError,
    NodeRejectedError,
    NodeResponseError,
    UsageError,
    served_other_text,
)
from client.genesis_file import add_genesis_option, require_same_chain
from client.id_prefix import resolve_retirement_id
from client.node_pool import NodePool, node_urls
from genesis.commands import add_group, whole_number
from protocol.encoding import INTEGER_MAGNITUDE_LIMIT, JsonValue, encode

CASE_HELP = "fetch a satisfied case's case-satisfied receipt (verified when --genesis is given)"
CASE_DESCRIPTION = (
    "Fetch the case; refuse (exit 1) unless its judicial retirements reach its required kg; "
    "then fetch the receipt of its last retirement, the one that satisfied it, save it and, "
    "with --genesis, verify that it proves the case satisfied."
)
CHECKPOINT_WAIT_S = 15.0
RETRY_INTERVAL_S = 0.5


def register_receipt(subparsers: Subparsers) -> None:
    actions = add_group(subparsers, "receipt", "fetch and render retirement receipts")
    get = actions.add_parser(
        "get",
        help="fetch a retirement's receipt from a node (verified when --genesis is given)",
    )
    get.add_argument(
        "retirement_id",
        metavar="RETIREMENT_ID",
        help="the retirement tx id, or a unique prefix of it (>= 8 hex digits)",
    )
    get.add_argument(
        "--size",
        metavar="N",
        type=whole_number(1, INTEGER_MAGNITUDE_LIMIT - 1),
        help="against the cosigned checkpoint of size N (> the retirement's height), not the "
        "newest: the smallest such N gives the tightest 'committed by' time",
    )
    _add_receipt_output(get)
    get.set_defaults(handler=guarded("receipt get", run_receipt_get))
    case = actions.add_parser("case", help=CASE_HELP, description=CASE_DESCRIPTION)
    case.add_argument("case_id", metavar="CASE_ID", help="the case id")
    _add_receipt_output(case)
    case.set_defaults(handler=guarded("receipt case", run_receipt_case))
    try:
        from client.cli.receipt_pdf import add_pdf_command
    except ImportError:  # the PDF renderer's libraries are missing: `get` still works
        return
    add_pdf_command(actions)


def _add_receipt_output(parser: argparse.ArgumentParser) -> None:
    add_node_option(parser)
    parser.add_argument("--out", metavar="FILE.json", required=True)
    parser.add_argument(
        "--force", action="store_true", help="replace an existing --out (and --pdf) file"
    )
    add_genesis_option(parser, help="verify the receipt against this file")
    parser.add_argument("--pdf", metavar="FILE.pdf", help="also render it (requires --genesis)")
    parser.add_argument("--font", metavar="PATH", help="TrueType CJK font for --pdf")
    add_json_option(parser)


def fetch_receipt(
    node: NodeClient,
    retirement_id: str,
    wait_s: float = CHECKPOINT_WAIT_S,
    size: int | None = None,
) -> bytes:
    """The receipt's bytes; waits while the node answers CHECKPOINT_PENDING. A receipt of
    another retirement than the one asked for is the node's failure: every signature in it
    can be genuine, so verifying it proves nothing of the retirement asked for (a proxy
    that swapped the id had a voluntary retirement saved and called VALID under the court's
    name, stop 56's JS auditor pass). size: against the checkpoint of that size (?size=N)."""
    path = f"/v1/receipts/{encode_path_segment(retirement_id)}"
    if size is not None:
        path += f"?size={size}"
    deadline = time.monotonic() + wait_s
    while True:
        try:
            answer = node.get_json(path, strict=True)
            served = answer.get("retirement_id") if isinstance(answer, dict) else None
            if served != retirement_id:
                raise NodeResponseError(
                    node.url, served_other_text("receipt", retirement_id, served)
                )
            # The node sends canonical JSON; re-encoding it is the identity on valid receipts.
            return encode(answer)
        except NodeRejectedError as error:
            if error.code != "CHECKPOINT_PENDING" or time.monotonic() > deadline:
                raise
        time.sleep(RETRY_INTERVAL_S)


def run_receipt_get(args: argparse.Namespace) -> int:
    out = _output_path(args)
    with (
        NodePool(node_urls(args.node)) as pool,
        spinner("fetching the receipt (waits for a checkpoint)", as_json=args.json),
    ):
        receipt_bytes = pool.first_answer(lambda node: _fetch_on(node, args))
    return _save_and_report(args, out, receipt_bytes)


def _fetch_on(node: NodeClient, args: argparse.Namespace) -> bytes:
    _checked(node, args)
    return fetch_receipt(node, resolve_retirement_id(node, args.retirement_id), size=args.size)


def _checked(node: NodeClient, args: argparse.Namespace) -> NodeClient:
    """node, once it serves the chain of --genesis (when given)."""
    if args.genesis is not None:
        require_same_chain(node, args.genesis)
    return node


class CaseNotSatisfiedError(ClientError):
    """The case's judicial retirements fall short of its required kg: no case-satisfied
    receipt exists (yet)."""


def satisfying_retirement(case: JsonValue) -> str:
    """The id of the retirement that satisfied the case: its last one, when retired_kg has
    reached required_kg (ADR 0029: satisfied; credits.retire_judicial refuses more)."""
    if not isinstance(case, dict):
        raise ClientError("the node's case record is not an object")
    case_id, required, retired = (
        case.get("case_id"),
        case.get("required_kg"),
        case.get("retired_kg"),
    )
    ids = case.get("retirement_ids")
    if not (isinstance(required, int) and isinstance(retired, int) and isinstance(ids, list)):
        raise ClientError(f"case {case_id}: the node's record lacks required_kg or retirements")
    if retired != required or not ids:
        raise CaseNotSatisfiedError(
            f"case {case_id} is not satisfied: {retired:,} of {required:,} kg retired"
            f" ({len(ids)} judicial retirements); no case-satisfied receipt exists"
        )
    return str(ids[-1])


def run_receipt_case(args: argparse.Namespace) -> int:
    out = _output_path(args)
    with (
        NodePool(node_urls(args.node)) as pool,
        spinner("fetching the case and its receipt", as_json=args.json),
    ):
        path = f"/v1/cases/{encode_path_segment(args.case_id)}"
        case = pool.first_answer(lambda node: _checked(node, args).get_json(path))
        retirement_id = satisfying_retirement(case)
        receipt_bytes = pool.first_answer(
            lambda node: fetch_receipt(_checked(node, args), retirement_id)
        )
    if args.genesis is not None:
        _require_case_satisfied(receipt_bytes, args.genesis.raw, args)
    return _save_and_report(args, out, receipt_bytes)


def _require_case_satisfied(
    receipt_bytes: bytes, genesis_bytes: bytes, args: argparse.Namespace
) -> None:
    """A receipt that verifies but does not prove this case satisfied by its retirement (a
    format 1-3 receipt, or another case's) is refused before it is saved."""
    from client.receipt.codes import ReceiptError
    from client.receipt.verify import verify_receipt

    try:
        status = verify_receipt(receipt_bytes, genesis_bytes).case_status
    except ReceiptError:
        return  # _save_and_report prints the code and exits 1
    if status is None or status.case_id != args.case_id or not status.satisfies:
        raise ClientError(
            f"the node's receipt does not prove case {args.case_id} satisfied by this retirement"
        )


def _output_path(args: argparse.Namespace) -> Path:
    if args.pdf and args.genesis is None:
        raise UsageError("--pdf needs --genesis: only a verified receipt is rendered")
    out = Path(args.out)
    refuse_existing_out(out, force=args.force)
    if args.pdf:
        refuse_existing_out(Path(args.pdf), force=args.force, option="--pdf")
        _check_font(args.font)
    return out


def _check_font(font_path: str | None) -> None:
    """The PDF's font, loaded before any node is asked: a font that cannot be used failed
    after the receipt was fetched and written, and the retry was refused as `--out exists`
    (stop 55's hostile pass)."""
    from client.receipt.fonts import find_cjk_font
    from client.receipt.pdf import register_cjk_font

    register_cjk_font(find_cjk_font(font_path, os.environ))


def _save_and_report(args: argparse.Namespace, out: Path, receipt_bytes: bytes) -> int:
    """With --genesis: verify the receipt, and save (and render) it only when it verifies: a
    node's forgery saved under the name asked for sat beside the good receipts, and the
    retry its hint asked for was refused as `--out exists` (stop 55). Without: save it."""
    if args.genesis is not None:
        genesis_bytes = args.genesis.raw
        code = report_receipt(
            receipt_bytes, genesis_bytes, as_json=args.json, fetched=True, pdf_asked=bool(args.pdf)
        )
        if code == EXIT_OK:
            _write_receipt(out, receipt_bytes)
            if args.pdf:
                _render_pdf(receipt_bytes, genesis_bytes, Path(args.pdf), args.font)
        return code
    _write_receipt(out, receipt_bytes)
    if args.json:
        print_json({"receipt": str(out), "bytes": len(receipt_bytes), "verified": False})
    else:
        print(f"wrote {out} ({len(receipt_bytes)} bytes); verify it with lantan verify receipt")
    return EXIT_OK


def _write_receipt(out: Path, receipt_bytes: bytes) -> None:
    try:
        out.write_bytes(receipt_bytes)
    except OSError as error:
        raise ClientError(f"{out}: cannot write the receipt ({error.strerror})") from None


def _render_pdf(receipt_bytes: bytes, genesis_bytes: bytes, out: Path, font: str | None) -> None:
    from client.cli.receipt_pdf import save_receipt_pdf
    from client.receipt.verify import verify_receipt

    save_receipt_pdf(verify_receipt(receipt_bytes, genesis_bytes), out, font)
