"""`lantan receipt pdf`: verify a receipt against the genesis file, then render it as a PDF.

Thin I/O shell over client/receipt/verify.py and client/receipt/pdf.py: reads the files,
finds the font, writes the PDF. A receipt that does not verify is never rendered: the PDF
prints only checked facts. client/cli/receipt.py adds the command through add_pdf_command.
"""

import argparse
import hashlib
import os
from pathlib import Path

from client.cli.support import (
    EXIT_OK,
    Subparsers,
    add_json_option,
    guarded,
    print_json,
    refuse_existing_out,
)
from client.cli.verify import read_receipt_input, report_invalid
from client.errors import ClientError
from client.genesis_file import add_genesis_option
from client.receipt.codes import ReceiptError
from client.receipt.facts import ReceiptFacts
from client.receipt.fonts import FONT_ENV, FONT_PACKAGE, FontChoice, find_cjk_font
from client.receipt.verify import verify_receipt


def add_pdf_command(actions: Subparsers) -> None:
    """Add `pdf` to the `receipt` group's subparsers."""
    parser = actions.add_parser(
        "pdf",
        help="verify a receipt and render it as a printable PDF (zh/en, QR code)",
        description="Verify FILE.json against the genesis file offline, then write a PDF "
        "(Chinese and English, embedded TrueType CJK font, QR code with the receipt id and "
        "hash). Identical input gives identical bytes.",
    )
    parser.add_argument("receipt", metavar="FILE.json", help="the receipt (lantan receipt get)")
    add_genesis_option(
        parser,
        required=True,
        help="the network's genesis file: the receipt is verified before it is rendered",
    )
    parser.add_argument("--out", metavar="F.pdf", required=True, help="where to write the PDF")
    parser.add_argument("--force", action="store_true", help="replace an existing --out file")
    parser.add_argument(
        "--font",
        metavar="PATH",
        help=f"TrueType CJK font (.ttf/.ttc); default ${FONT_ENV}, else {FONT_PACKAGE}",
    )
    add_json_option(parser)
    parser.set_defaults(handler=guarded("receipt pdf", _run_pdf))


def save_receipt_pdf(facts: ReceiptFacts, out_path: Path, font_path: str | None) -> FontChoice:
    """Render verified facts to out_path; returns the font used. For `receipt get --pdf` too."""
    # Imported here, not with the module: reportlab is ~0.3 s of CPU that every other
    # `lantan receipt` command (get, verify, list) would pay at start for nothing.
    from client.receipt.pdf import render_receipt_pdf

    font = find_cjk_font(font_path, os.environ)
    pdf_bytes = render_receipt_pdf(facts, font)
    try:
        out_path.write_bytes(pdf_bytes)
    except OSError as error:
        raise ClientError(f"{out_path}: cannot write the PDF ({error.strerror})") from error
    return font


def _run_pdf(args: argparse.Namespace) -> int:
    out_path = Path(args.out)
    refuse_existing_out(out_path, force=args.force)
    receipt_bytes = read_receipt_input(args.receipt)
    try:
        facts = verify_receipt(receipt_bytes, args.genesis.raw)
    except ReceiptError as error:
        return report_invalid(error, as_json=args.json, pdf_asked=True)
    font = save_receipt_pdf(facts, out_path, args.font)
    pdf_sha256 = hashlib.sha256(out_path.read_bytes()).hexdigest()
    if args.json:
        print_json(
            {
                "pdf": str(out_path),
                "pdf_sha256": pdf_sha256,
                "font": str(font.path),
                "receipt_id": facts.receipt_id,
                "receipt_digest": facts.receipt_digest,
                "receipt_hash": facts.receipt_hash,
            }
        )
    else:
        print(f"VALID receipt {facts.receipt_id} (digest {facts.receipt_digest})")
        print(f"wrote {out_path} (sha256 {pdf_sha256}, font {font.path})")
    return EXIT_OK
