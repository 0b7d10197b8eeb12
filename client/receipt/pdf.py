"""Renders verified ReceiptFacts as a printable PDF: Chinese and English, embedded CJK font, QR.

Pure apart from reading the font file: identical facts and font give identical bytes
(reportlab's invariant mode, the block time as creation date, fixed metadata). The PDF only
prints what client/receipt/verify.py checked; the JSON receipt stays the evidence. The rows
are client/receipt/pdf_rows.py, their places on the pages client/receipt/pdf_layout.py.
"""

import hashlib
import io
from datetime import UTC, datetime
from typing import Final

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from client.errors import FontError
from client.receipt.facts import ReceiptFacts
from client.receipt.fonts import FONT_PACKAGE, REQUIRED_TEXT, FontChoice
from client.receipt.pdf_layout import (
    FOOTER_Y_PT,
    MARGIN_PT,
    PAGE_HEIGHT_PT,
    PAGE_WIDTH_PT,
    PlacedText,
    layout_receipt,
    page_count,
    wrap_text,
)
from client.receipt.pdf_rows import BEIJING_TIME, receipt_rows

QR_PREFIX: Final = "lantan-receipt"
"""The QR code's text is "lantan-receipt:<receipt_id>:<receipt_digest>" (PROTOCOL.md §14.6):
both stay the same whichever node served the receipt and however fresh its proofs."""
QR_SIZE_PT: Final = 112.0
GREY: Final = Color(0.38, 0.38, 0.38)
BLACK: Final = Color(0, 0, 0)
RULE: Final = Color(0.75, 0.75, 0.75)
FOOTER_SIZE_PT: Final = 7
FINALITY_SIZE_PT: Final = 8.5
FOOTER_LINES: Final = (
    "核验本纸面：打开登记簿网站的凭证核验页 /checker?receipt=凭证编号，核对该页显示的注销数量与案号"
    "是否与本纸面一致。",
    "Check this paper: open the registry's checker page /checker?receipt=<receipt id>"
    " and compare the amount and case number shown there with this paper.",
    "或 or: lantan verify receipt RECEIPT.json --genesis GENESIS.json",
)
"""How to check the printout: what a clerk holding only paper does (the checker page fetches
and verifies the receipt by its id, and the paper's amount and case number must be the ones
it shows: an edited PDF is found that way), then the auditor's command. The QR code's text
stays PROTOCOL.md §14.6's; the PDF does not know the registry's public address."""


def qr_text(facts: ReceiptFacts) -> str:
    """The QR code's payload: the retirement to fetch and the digest any copy must show."""
    return f"{QR_PREFIX}:{facts.receipt_id}:{facts.receipt_digest}"


def pdf_date_text(time_ms: int) -> str:
    """The PDF CreationDate: the block time, so it depends on the receipt, never on the clock."""
    moment = datetime.fromtimestamp(time_ms // 1000, UTC).astimezone(BEIJING_TIME)
    return f"D:{moment:%Y%m%d%H%M%S}+08'00'"


def register_cjk_font(choice: FontChoice) -> str:
    """Load the font into reportlab and return its registered name.

    Raises FontError if the file is not TrueType or lacks the Chinese characters receipts print.
    """
    key = f"{choice.path.resolve()}#{choice.subfont_index}".encode()
    name = "LantanCJK-" + hashlib.sha256(key).hexdigest()[:12]
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = TTFont(name, str(choice.path), subfontIndex=choice.subfont_index)
    except (TTFError, OSError) as error:
        raise FontError(
            f"{choice.source} {choice.path}: not a TrueType font reportlab can embed ({error})"
        ) from error
    missing = sorted({char for char in REQUIRED_TEXT if ord(char) not in font.face.charToGlyph})
    if missing:
        raise FontError(
            f"{choice.source} {choice.path}: not a CJK font (no glyph for {''.join(missing)}); "
            f"use a Chinese TrueType font such as {FONT_PACKAGE}"
        )
    pdfmetrics.registerFont(font)
    return name


def render_receipt_pdf(facts: ReceiptFacts, font: FontChoice) -> bytes:
    """The receipt as PDF bytes. Same facts and same font file give the same bytes.

    Raises FontError (client/errors.py) if the font cannot be embedded.
    """
    font_name = register_cjk_font(font)
    buffer = io.BytesIO()
    # invariant=1 fixes the document id and reportlab's own timestamps; no Helvetica default.
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font_name)
    _set_metadata(canvas, facts)
    _seed_document_id(canvas, facts)
    top = _draw_header(canvas, facts, font_name)
    _draw_pages(canvas, layout_receipt(receipt_rows(facts), font_name, top), font_name)
    canvas.save()
    return buffer.getvalue()


def _set_metadata(canvas: Canvas, facts: ReceiptFacts) -> None:
    canvas.setTitle(f"蓝碳注销凭证 Lantan retirement receipt {facts.receipt_id}")
    canvas.setSubject(facts.case_number or facts.purpose)
    canvas.setAuthor("Lantan blue carbon registry")
    canvas.setCreator("lantan receipt pdf")
    canvas.setProducer("Lantan (reportlab)")
    creation_date = pdf_date_text(facts.time_ms)
    canvas.setDateFormatter(lambda *_fields: creation_date)


def _seed_document_id(canvas: Canvas, facts: ReceiptFacts) -> None:
    # reportlab seeds the PDF /ID from $SOURCE_DATE_EPOCH when that is set, even in invariant
    # mode; seeding it from the receipt digest makes the bytes depend on the input alone.
    seed = hashlib.md5(usedforsecurity=False)
    seed.update(b"lantan receipt pdf " + facts.receipt_digest.encode())
    canvas._doc.signature = seed


def _draw_header(canvas: Canvas, facts: ReceiptFacts, font_name: str) -> float:
    """Title on the left, QR code on the right; returns the y where the rows start."""
    top = PAGE_HEIGHT_PT - MARGIN_PT
    judicial = facts.kind == "judicial"
    canvas.setFont(font_name, 20)
    # A voluntary receipt's title says so, and not a court's: its free text may be written
    # to read like a case line (h57 F12).
    canvas.drawString(
        MARGIN_PT, top - 20, "蓝碳司法注销凭证" if judicial else "蓝碳自愿注销凭证（非法院注销）"
    )
    canvas.setFont(font_name, 13)
    title_en = (
        "Blue carbon judicial retirement receipt"
        if judicial
        else "Blue carbon VOLUNTARY retirement receipt: not a court's"
    )
    canvas.drawString(MARGIN_PT, top - 40, title_en)
    canvas.setFont(font_name, 9)
    canvas.setFillColor(GREY)
    for index, line in enumerate(_header_notes(facts)):
        canvas.drawString(MARGIN_PT, top - 62 - index * 12, line)
    qr_x = PAGE_WIDTH_PT - MARGIN_PT - QR_SIZE_PT
    # What retired means, in plain words, beside the QR code above the rows (stop 57): in
    # the header's free room, so no receipt gets a second page for it.
    canvas.setFillColor(BLACK)
    canvas.setFont(font_name, FINALITY_SIZE_PT)
    width = qr_x - MARGIN_PT - 8
    finality = [
        *wrap_text(facts.finality_zh, font_name, FINALITY_SIZE_PT, width),
        *wrap_text(facts.finality_en, font_name, FINALITY_SIZE_PT, width),
    ]
    for index, line in enumerate(finality[:3]):
        canvas.drawString(MARGIN_PT, top - 98 - index * 10, line)
    canvas.setFillColor(GREY)
    _draw_qr(canvas, qr_text(facts), font_name, qr_x, top - QR_SIZE_PT)
    canvas.setFont(font_name, 7)
    canvas.drawCentredString(
        qr_x + QR_SIZE_PT / 2,
        top - QR_SIZE_PT - 8,
        "凭证编号与摘要见下 receipt id and digest below",
    )
    canvas.setFillColor(BLACK)
    rule_y = top - QR_SIZE_PT - 13
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN_PT, rule_y, PAGE_WIDTH_PT - MARGIN_PT, rule_y)
    return rule_y - 13


def _header_notes(facts: ReceiptFacts) -> tuple[str, ...]:
    return (
        "Lantan 蓝碳登记链 · 象山县、宁波、厦门共同签署的许可链",
        "此为打印件；以 JSON 凭证和创世文件离线核验为准。",
        "A printout: the JSON receipt, checked offline with the genesis file, is the evidence.",
    )


def _draw_qr(canvas: Canvas, text: str, font_name: str, x_pt: float, y_pt: float) -> None:
    # Level M survives a crease or a stain on paper; the widget includes the 4-module quiet zone.
    widget = QrCodeWidget(text, barLevel="M", barWidth=QR_SIZE_PT, barHeight=QR_SIZE_PT)
    # Without initialFontName the drawing selects Helvetica, a font the PDF would not embed.
    drawing = Drawing(QR_SIZE_PT, QR_SIZE_PT, initialFontName=font_name)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x_pt, y_pt)


def _draw_pages(canvas: Canvas, placed: tuple[PlacedText, ...], font_name: str) -> None:
    """Each page's text, then its footer; the header is already on page 0."""
    pages = page_count(placed)
    for page in range(pages):
        if page > 0:
            canvas.showPage()
        for text in (t for t in placed if t.page == page):
            canvas.setFillColor(GREY if text.grey else BLACK)
            canvas.setFont(font_name, text.size_pt)
            canvas.drawString(text.x_pt, text.y_pt, text.text)
        _draw_footer(canvas, font_name, page + 1, pages)


def page_text(page: int, page_count: int) -> str:
    """ "第 1 页，共 2 页 page 1 of 2": the total shows a missing page on a printout."""
    return f"第 {page} 页，共 {page_count} 页 page {page} of {page_count}"


def _draw_footer(canvas: Canvas, font_name: str, page: int, page_count: int) -> None:
    canvas.setFillColor(GREY)
    # Three lines at 7 pt in the two 8 pt lines' room: the rows keep their space.
    canvas.setFont(font_name, FOOTER_SIZE_PT)
    for index, line in enumerate(FOOTER_LINES):
        canvas.drawString(MARGIN_PT, FOOTER_Y_PT + 8 - index * 8, line)
    canvas.drawRightString(PAGE_WIDTH_PT - MARGIN_PT, FOOTER_Y_PT - 8, page_text(page, page_count))
    canvas.setFillColor(BLACK)
