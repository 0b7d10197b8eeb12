"""`lantan receipt get` (and `receipt pdf`, from client/cli/receipt_pdf.py). I/O shell.

`get` fetches GET /v1/receipts/{id} (retrying while the node has no checkpoint above the
retirement yet), writes the canonical bytes, and with --genesis verifies them offline.
"""

import argparse
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
)
from client.cli.verify import read_input, report_receipt
from client.errors import ClientError, NodeRejectedError, UsageError
from client.id_prefix import resolve_retirement_id
from client.node_pool import NodePool, node_urls
from genesis.commands import add_group
from protocol.encoding import encode

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
    add_node_option(get)
    get.add_argument("--out", metavar="FILE.json", required=True)
    get.add_argument("--force", action="store_true", help="replace an existing --out file")
    get.add_argument("--genesis", metavar="FILE", help="verify the receipt against this file")
    get.add_argument("--pdf", metavar="FILE.pdf", help="also render it (requires --genesis)")
    get.add_argument("--font", metavar="PATH", help="TrueType CJK font for --pdf")
    add_json_option(get)
    get.set_defaults(handler=guarded("receipt get", run_receipt_get))
    try:
        from client.cli.receipt_pdf import add_pdf_command
    except ImportError:  # the PDF renderer's libraries are missing: `get` still works
        return
    add_pdf_command(actions)


def fetch_receipt(node: NodeClient, retirement_id: str, wait_s: float = CHECKPOINT_WAIT_S) -> bytes:
    """The receipt's bytes; waits while the node answers CHECKPOINT_PENDING."""
    path = f"/v1/receipts/{encode_path_segment(retirement_id)}"
    deadline = time.monotonic() + wait_s
    while True:
        try:
            # The node sends canonical JSON; re-encoding it is the identity on valid receipts.
            return encode(node.get_json(path))
        except NodeRejectedError as error:
            if error.code != "CHECKPOINT_PENDING" or time.monotonic() > deadline:
                raise
        time.sleep(RETRY_INTERVAL_S)


def run_receipt_get(args: argparse.Namespace) -> int:
    if args.pdf and not args.genesis:
        raise UsageError("--pdf needs --genesis: only a verified receipt is rendered")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; choose another --out or pass --force")
    with (
        NodePool(node_urls(args.node)) as pool,
        spinner("fetching the receipt (waits for a checkpoint)", as_json=args.json),
    ):
        receipt_bytes = pool.first_answer(
            lambda node: fetch_receipt(node, resolve_retirement_id(node, args.retirement_id))
        )
    try:
        out.write_bytes(receipt_bytes)
    except OSError as error:
        raise ClientError(f"{out}: cannot write the receipt ({error.strerror})") from None
    if args.genesis:
        genesis_bytes = read_input(args.genesis, "genesis file")
        code = report_receipt(receipt_bytes, genesis_bytes, as_json=args.json)
        if code == EXIT_OK and args.pdf:
            _render_pdf(receipt_bytes, genesis_bytes, Path(args.pdf), args.font)
        return code
    if args.json:
        print_json({"receipt": str(out), "bytes": len(receipt_bytes), "verified": False})
    else:
        print(f"wrote {out} ({len(receipt_bytes)} bytes); verify it with lantan verify receipt")
    return EXIT_OK


def _render_pdf(receipt_bytes: bytes, genesis_bytes: bytes, out: Path, font: str | None) -> None:
    from client.cli.receipt_pdf import save_receipt_pdf
    from client.receipt.verify import verify_receipt

    save_receipt_pdf(verify_receipt(receipt_bytes, genesis_bytes), out, font)
