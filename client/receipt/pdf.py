"""Renders verified ReceiptFacts as a printable PDF: Chinese and English, embedded CJK font, QR.

Pure apart from reading the font file: identical facts and font give identical bytes
(reportlab's invariant mode, the block time as creation date, fixed metadata). The PDF only
prints what client/receipt/verify.py checked; the JSON receipt stays the evidence.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from client.code_names import bilingual_name
from client.errors import FontError
from client.receipt.facts import ReceiptFacts, TxKey
from client.receipt.fonts import FONT_PACKAGE, REQUIRED_TEXT, FontChoice
from client.receipt.key_status import roles_text

QR_PREFIX: Final = "lantan-receipt"
"""The QR code's text is "lantan-receipt:<receipt_id>:<receipt_digest>" (PROTOCOL.md §14.6):
both stay the same whichever node served the receipt and however fresh its proofs."""
BEIJING_TIME: Final = timezone(timedelta(hours=8))
PAGE_WIDTH_PT: Final[float] = A4[0]
PAGE_HEIGHT_PT: Final[float] = A4[1]
MARGIN_PT: Final = 40.0
QR_SIZE_PT: Final = 112.0
LABEL_WIDTH_PT: Final = 128.0
VALUE_X_PT: Final = MARGIN_PT + LABEL_WIDTH_PT + 8.0
VALUE_WIDTH_PT: Final = PAGE_WIDTH_PT - MARGIN_PT - VALUE_X_PT
VALUE_SIZE_PT: Final = 10.0
VALUE_SIZE_MIN_PT: Final = 7.0
LINE_HEIGHT_PT: Final = 12.5
ROW_GAP_PT: Final = 5.0
FOOTER_HEIGHT_PT: Final = 24.0
BOTTOM_PT: Final = MARGIN_PT + FOOTER_HEIGHT_PT
"""No value line is drawn below this y; the footer sits under it."""
GREY: Final = Color(0.38, 0.38, 0.38)
RULE: Final = Color(0.75, 0.75, 0.75)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptRow:
    label_zh: str
    label_en: str
    lines: tuple[str, ...]
    """Value lines before wrapping; a line marked unbreakable is shrunk to fit instead."""
    unbreakable: bool = False
    """Hex identifiers: kept on one line so they can be read and compared whole."""


def qr_text(facts: ReceiptFacts) -> str:
    """The QR code's payload: the retirement to fetch and the digest any copy must show."""
    return f"{QR_PREFIX}:{facts.receipt_id}:{facts.receipt_digest}"


def beijing_time_text(time_ms: int) -> str:
    """Block time as Beijing time (UTC+8), to the millisecond. Requires time_ms >= 0."""
    moment = datetime.fromtimestamp(time_ms // 1000, BEIJING_TIME)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{time_ms % 1000:03d} 北京时间 Beijing time (UTC+8)"


def pdf_date_text(time_ms: int) -> str:
    """The PDF CreationDate: the block time, so it depends on the receipt, never on the clock."""
    moment = datetime.fromtimestamp(time_ms // 1000, UTC).astimezone(BEIJING_TIME)
    return f"D:{moment:%Y%m%d%H%M%S}+08'00'"


def receipt_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """The labelled facts in print order; judicial receipts add court, case and obligors."""
    judicial = facts.kind == "judicial"
    rows = [
        ReceiptRow(
            label_zh="凭证类型",
            label_en="Kind",
            lines=(
                "司法注销 judicial retirement" if judicial else "自愿注销 voluntary retirement",
            ),
        )
    ]
    if judicial:
        rows.extend(_judicial_rows(facts))
        rows.extend(_case_status_rows(facts))
    rows.extend(_credit_rows(facts))
    rows.extend(_verification_rows(facts))
    rows.extend(_chain_rows(facts))
    return tuple(rows)


def _judicial_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    return (
        ReceiptRow(
            label_zh="法院",
            label_en="Court",
            lines=(_text(facts.court_name_zh), _text(facts.court_name_en)),
        ),
        ReceiptRow(
            label_zh="案号",
            label_en="Case number",
            lines=(
                _text(facts.case_number),
                _text(facts.case_type),
                f"case id {_text(facts.case_id)}",
            ),
        ),
        ReceiptRow(
            label_zh="义务人（已脱敏）",
            label_en="Obligors (masked)",
            lines=("、".join(facts.obligors_masked) or "—",),
        ),
    )


def _case_status_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """Format 4 (ADR 0030): the case's status at the retirement's block, its judgment."""
    case = facts.case_status
    if case is None:
        return ()
    status: tuple[str, ...] = (
        f"{bilingual_name(case.status)}：{case.retired_kg:,} / {case.required_kg:,} kg",
        f"{case.status_line}（本注销所在区块 as of this retirement's block）",
    )
    if case.satisfies:
        status += (
            "本次注销使案件达到所需数量 this retirement brought the case to its required kg",
        )
    rows = [ReceiptRow(label_zh="案件状态", label_en="Case status", lines=status)]
    if case.judgment is not None:
        j = case.judgment
        rows.append(
            ReceiptRow(
                label_zh="判决",
                label_en="Judgment",
                lines=(
                    f"{j.judgment_date} · 赔偿 compensation {j.compensation_yuan_text} 元 yuan",
                    f"{j.harm_site} · {bilingual_name(j.ecosystem)}",
                    f"判决书 judgment sha256 {j.judgment_hash}",
                ),
            )
        )
    if case.closure_outcome is not None:
        rows.append(
            ReceiptRow(
                label_zh="结案",
                label_en="Closure",
                lines=(
                    f"{bilingual_name(case.closure_outcome)} · 高度 height {case.closure_height}",
                    f"sha256 {case.closure_document_hash}",
                ),
            )
        )
    return tuple(rows)


def _credit_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    ranges = tuple(
        f"{serial.batch_id}: {serial.first_serial}–{serial.last_serial} ({serial.quantity_kg:,} kg)"
        for serial in facts.serial_ranges
    )
    return (
        ReceiptRow(
            label_zh="注销数量",
            label_en="Quantity retired",
            lines=(f"{facts.quantity_tonnes_text} t CO2e = {facts.quantity_kg:,} kg CO2e",),
        ),
        ReceiptRow(label_zh="序列号区间", label_en="Serial ranges", lines=ranges or ("—",)),
        ReceiptRow(label_zh="受益方", label_en="Beneficiary", lines=(facts.beneficiary,)),
        ReceiptRow(
            label_zh="用途",
            label_en="Purpose",
            lines=(bilingual_name(facts.purpose),),
        ),
        ReceiptRow(
            label_zh="项目",
            label_en="Project",
            lines=(facts.project_name_zh, facts.project_name_en, f"project id {facts.project_id}"),
        ),
        ReceiptRow(label_zh="地点", label_en="Location", lines=(facts.location,)),
        ReceiptRow(
            label_zh="生态系统",
            label_en="Ecosystem",
            lines=(bilingual_name(facts.ecosystem),),
        ),
        ReceiptRow(
            label_zh="核算标准", label_en="Accounting standard", lines=(facts.accounting_standard,)
        ),
        ReceiptRow(
            label_zh="年份与批次",
            label_en="Vintage and batch",
            lines=(f"{facts.vintage} · {facts.batch_id}",),
        ),
    )


def _verification_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """Format 4 (ADR 0030): the verification behind the retired credits."""
    v = facts.verification
    if v is None:
        return ()
    verifier: tuple[str, ...]
    if v.attested:
        verifier = (
            _text(v.verifier_name_zh),
            _text(v.verifier_name_en),
            f"核证机构 accredited verifier {v.verifier_id} · 高度 height {v.attested_height}",
        )
    else:
        verifier = (_text(v.verification_body), "签发方登记的核查 issuer-recorded verification")
    methodology = (
        f"{v.methodology_id} 第 {v.methodology_version} 版 version {v.methodology_version}"
        if v.attested
        else f"{facts.accounting_standard}（项目核算标准 the project's accounting standard）"
    )
    reports = tuple(f"{bilingual_name(r.label)}: {r.sha256}" for r in v.reports)
    return (
        ReceiptRow(label_zh="核证", label_en="Verification", lines=(v.verification_id, *verifier)),
        ReceiptRow(
            label_zh="监测期与方法学",
            label_en="Period and methodology",
            lines=(f"{v.period_start} – {v.period_end}", methodology),
        ),
        ReceiptRow(label_zh="核证净碳汇量", label_en="Verified net sink", lines=(v.net_sink_text,)),
        ReceiptRow(label_zh="报告哈希", label_en="Report hashes", lines=reports),
    )


def signer_line(facts: ReceiptFacts) -> str:
    """The signing institutions (Chinese names), each with its validator key name."""
    return "、".join(
        f"{s.name_zh}（{s.key_name}）" if s.name_zh else s.key_name for s in facts.signers
    )


def key_line(key: TxKey, height: int) -> str:
    """One key that signed the tx: institution, roles and status at the tx's height."""
    who = (
        f"{key.name_zh}（{roles_text(key.roles, 'zh')}）"
        if key.institution_id is not None
        else "账户持有人 account holder"
    )
    return f"{who} {key.public_key[:16]}…：高度 {height} 签署时有效 in force when it signed"


def _key_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    if not facts.signing_keys:
        return ()
    lines = tuple(key_line(k, facts.height) for k in facts.signing_keys)
    return (ReceiptRow(label_zh="签署密钥", label_en="Signing keys", lines=lines),)


def _chain_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    return (
        ReceiptRow(
            label_zh="区块高度与时间",
            label_en="Block height and time",
            lines=(f"高度 height {facts.height}", beijing_time_text(facts.time_ms)),
        ),
        ReceiptRow(
            label_zh="签署",
            label_en="Signed by",
            lines=(f"{facts.signed_summary_zh} {facts.signed_summary}", signer_line(facts)),
        ),
        *_key_rows(facts),
        ReceiptRow(
            label_zh="链标识", label_en="Chain id", lines=(facts.chain_id,), unbreakable=True
        ),
        ReceiptRow(
            label_zh="凭证编号", label_en="Receipt id", lines=(facts.receipt_id,), unbreakable=True
        ),
        ReceiptRow(
            label_zh="凭证摘要",
            label_en="Receipt digest",
            lines=(facts.receipt_digest,),
            unbreakable=True,
        ),
    )


def _text(value: str | None) -> str:
    return "—" if value is None else value


def wrap_text(text: str, font_name: str, size_pt: float, width_pt: float) -> tuple[str, ...]:
    """Greedy line breaking: at the last space when there is one, else between characters
    (Chinese has no spaces). Never returns an empty tuple."""
    lines: list[str] = []
    line = ""
    for char in text:
        candidate = line + char
        if not line or stringWidth(candidate, font_name, size_pt) <= width_pt:
            line = candidate
            continue
        head, space, tail = line.rpartition(" ")
        if space and head.strip():
            lines.append(head)
            line = (tail + char).lstrip(" ")
        else:
            lines.append(line)
            line = char.lstrip(" ")
    lines.append(line)
    return tuple(lines)


def fit_size_pt(text: str, font_name: str, width_pt: float) -> float:
    """The largest size, from VALUE_SIZE_PT down to VALUE_SIZE_MIN_PT, at which text fits."""
    width_at_one_pt: float = stringWidth(text, font_name, 1.0)
    if width_at_one_pt == 0:
        return VALUE_SIZE_PT
    return max(VALUE_SIZE_MIN_PT, min(VALUE_SIZE_PT, width_pt / width_at_one_pt))


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
    _draw_rows(canvas, receipt_rows(facts), font_name, top)
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
    canvas.drawString(MARGIN_PT, top - 20, "蓝碳司法注销凭证" if judicial else "蓝碳注销凭证")
    canvas.setFont(font_name, 13)
    title_en = (
        "Blue carbon judicial retirement receipt" if judicial else "Blue carbon retirement receipt"
    )
    canvas.drawString(MARGIN_PT, top - 40, title_en)
    canvas.setFont(font_name, 9)
    canvas.setFillColor(GREY)
    for index, line in enumerate(_header_notes(facts)):
        canvas.drawString(MARGIN_PT, top - 62 - index * 12, line)
    qr_x = PAGE_WIDTH_PT - MARGIN_PT - QR_SIZE_PT
    _draw_qr(canvas, qr_text(facts), font_name, qr_x, top - QR_SIZE_PT)
    canvas.setFont(font_name, 7)
    canvas.drawCentredString(
        qr_x + QR_SIZE_PT / 2, top - QR_SIZE_PT - 8, "凭证编号与摘要 receipt id and digest"
    )
    canvas.setFillColor(Color(0, 0, 0))
    rule_y = top - QR_SIZE_PT - 16
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN_PT, rule_y, PAGE_WIDTH_PT - MARGIN_PT, rule_y)
    return rule_y - 16


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


@dataclass(slots=True)
class _Pages:
    """Turns pages: footer, new page, and the y of the first line on it."""

    canvas: Canvas
    font_name: str
    number: int = 1

    def turn(self) -> float:
        _draw_footer(self.canvas, self.font_name, self.number)
        self.canvas.showPage()
        self.number += 1
        return PAGE_HEIGHT_PT - MARGIN_PT - LINE_HEIGHT_PT


def _draw_rows(canvas: Canvas, rows: tuple[ReceiptRow, ...], font_name: str, top: float) -> None:
    """Labels on the left, wrapped values on the right; a long row continues on the next page."""
    pages = _Pages(canvas=canvas, font_name=font_name)
    y = top
    for row in rows:
        if y - LINE_HEIGHT_PT < BOTTOM_PT:
            y = pages.turn()
        _draw_labels(canvas, row, font_name, y)
        labels_bottom = y - LINE_HEIGHT_PT
        for line, size_pt in _layout_values(row, font_name):
            if y < BOTTOM_PT:
                y = labels_bottom = pages.turn()
            canvas.setFont(font_name, size_pt)
            canvas.drawString(VALUE_X_PT, y, line)
            y -= LINE_HEIGHT_PT
        y = min(y, labels_bottom - LINE_HEIGHT_PT) - ROW_GAP_PT
    _draw_footer(canvas, font_name, pages.number)


def _layout_values(row: ReceiptRow, font_name: str) -> tuple[tuple[str, float], ...]:
    """Each printed value line with its font size."""
    if row.unbreakable:
        return tuple((line, fit_size_pt(line, font_name, VALUE_WIDTH_PT)) for line in row.lines)
    return tuple(
        (wrapped, VALUE_SIZE_PT)
        for line in row.lines
        for wrapped in wrap_text(line, font_name, VALUE_SIZE_PT, VALUE_WIDTH_PT)
    )


def _draw_labels(canvas: Canvas, row: ReceiptRow, font_name: str, y: float) -> None:
    canvas.setFont(font_name, 10)
    canvas.drawString(MARGIN_PT, y, row.label_zh)
    canvas.setFillColor(GREY)
    canvas.setFont(font_name, 8)
    canvas.drawString(MARGIN_PT, y - LINE_HEIGHT_PT, row.label_en)
    canvas.setFillColor(Color(0, 0, 0))


def _draw_footer(canvas: Canvas, font_name: str, page: int) -> None:
    canvas.setFillColor(GREY)
    canvas.setFont(font_name, 8)
    canvas.drawString(
        MARGIN_PT,
        MARGIN_PT,
        "核验 verify: lantan verify receipt RECEIPT.json --genesis GENESIS.json",
    )
    canvas.drawRightString(PAGE_WIDTH_PT - MARGIN_PT, MARGIN_PT, f"第 {page} 页 page {page}")
    canvas.setFillColor(Color(0, 0, 0))
