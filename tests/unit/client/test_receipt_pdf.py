"""The receipt PDF: reproducible bytes, an embedded CJK font, the text a judge searches for,
and a QR code that decodes to the receipt id and hash (checked with poppler and zbar).

The poppler and zbar checks skip, naming the missing tool, where scripts/system-deps could
not install poppler-utils or zbar-tools; the rendering tests skip where no CJK font exists.
"""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from client.code_names import CODE_NAMES
from client.errors import FontError
from client.receipt.facts import CaseStatusFacts, ReceiptSigner, SerialRange
from client.receipt.fonts import FontChoice, find_cjk_font
from client.receipt.pdf import page_text, pdf_date_text, qr_text, render_receipt_pdf
from client.receipt.pdf_layout import VALUE_SIZE_MIN_PT, VALUE_SIZE_PT, fit_size_pt, wrap_text
from client.receipt.pdf_rows import beijing_time_text, case_status_lines, receipt_rows
from contracts.case_records import JUDICIAL_PURPOSE
from contracts.credit_records import ECOSYSTEMS, SerialStatus
from contracts.records import ACCOUNT_KINDS, ROLE_NAMES
from contracts.tx_types import TX_TYPE_NAMES
from genesis.example.xiangshan_case import BATCH_ID
from tests.unit.client.receipt_pdf_kit import (
    cjk_font_or_skip,
    decode_qr_codes,
    run_tool,
    voluntary_facts,
    xiangshan_facts,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def cjk_font() -> FontChoice:
    return cjk_font_or_skip()


@pytest.fixture(scope="module")
def xiangshan_pdf(cjk_font: FontChoice, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "receipt.pdf"
    path.write_bytes(render_receipt_pdf(xiangshan_facts(), cjk_font))
    return path


# Pure parts: the QR payload, the times and the rows.


def test_qr_text_names_the_receipt_id_and_hash():
    facts = xiangshan_facts()
    assert qr_text(facts) == f"lantan-receipt:{facts.receipt_id}:{facts.receipt_digest}"


def test_time_is_shown_as_beijing_time_to_the_millisecond():
    # 1_700_000_123_456 ms is 2023-11-14 22:15:23.456 UTC.
    assert beijing_time_text(1_700_000_123_456) == (
        "2023-11-15 06:15:23.456 北京时间 Beijing time (UTC+8)"
    )
    assert pdf_date_text(1_700_000_123_456) == "D:20231115061523+08'00'"


def test_judicial_rows_carry_court_case_obligors_and_quantity_in_t_and_kg():
    rows = {row.label_en: row.lines for row in receipt_rows(xiangshan_facts())}
    assert rows["Court"] == ("象山县人民法院 Xiangshan County People's Court",)
    assert rows["Obligors (masked)"] == ("王某某、李某某",)
    assert rows["Quantity retired"] == ("422.5 t CO2e = 422,500 kg CO2e",)
    assert rows["Serial ranges"] == (f"{BATCH_ID}: 1–422500 (422,500 kg CO2e)",)
    assert rows["Block certified by"] == (
        "3 个验证节点中 3 个签署（法定数 2） 3 of 3 validators signed (quorum 2)",
        # institutions, each with its key name; a key outside the genesis shows its name only
        "象山县发展和改革局（xiangshan-county）、宁波市公证处（ningbo-ptc）、xiamen-ptc",
        "另一份副本可能列出其他验证节点 another copy of this receipt may name other validators",
    )
    assert rows["Vintage and batch"] == (f"2022 · {BATCH_ID}",)


def test_when_it_was_recorded_reads_as_a_date_first():
    """A clerk could not read "Block height and time" / "高度 height 132 · ...": the row
    now says when it was recorded, the block height after it (stop 48's finding)."""
    facts = xiangshan_facts()
    rows = {row.label_en: (row.label_zh, row.lines) for row in receipt_rows(facts)}
    assert rows["Recorded on"] == (
        "登记时间",
        (f"{beijing_time_text(facts.time_ms)} · 区块高度 block height {facts.height}",),
    )


def test_the_witnesses_that_cosigned_print_after_the_block_certificate():
    """`lantan verify receipt` said "1 witness cosigned"; the PDF named no witness. A court
    reads who, outside the validators, vouched for the history (ADR 0021), by institution."""
    auditor = ReceiptSigner(
        key_name="zhejiang-auditor-witness", name_zh="浙江省审计厅", name_en="Zhejiang Audit Office"
    )
    local = ReceiptSigner(
        key_name="court-witness", name_zh="court-witness", name_en="court-witness"
    )
    facts = dataclasses.replace(
        xiangshan_facts(),
        witnessed_by=("court-witness", "zhejiang-auditor-witness"),
        witness_quorum=1,
        witnesses=(local, auditor),
    )
    rows = receipt_rows(facts)
    labels = [row.label_en for row in rows]
    assert labels.index("Witnessed by") == labels.index("Block certified by") + 1
    assert rows[labels.index("Witnessed by")].lines == (
        "2 个见证方联署检查点（创世文件要求 1 个）",
        "2 witnesses cosigned the checkpoint (genesis asks 1)",
        # an institution named after its key (a local network's witness) shows the key once
        "court-witness、浙江省审计厅（zhejiang-auditor-witness）",
    )
    assert "Witnessed by" not in [row.label_en for row in receipt_rows(xiangshan_facts())]


def test_the_receipt_id_and_digest_print_first_under_the_qr_code():
    """The digest is what the QR code encodes and a clerk compares: it prints before any
    row that could push it onto a later page than the QR code."""
    for facts in (xiangshan_facts(), voluntary_facts()):
        rows = receipt_rows(facts)
        assert [row.label_en for row in rows[:2]] == ["Receipt id", "Receipt digest"]
        assert rows[1].lines == (facts.receipt_digest,)


def test_the_case_type_has_its_own_labelled_row():
    rows = {row.label_zh: (row.label_en, row.lines) for row in receipt_rows(xiangshan_facts())}
    assert rows["案件类型"] == (
        "Case type",
        ("刑事附带民事公益诉讼 criminal, incidental civil public-interest suit",),
    )
    assert all("刑事" not in line for line in rows["案号"][1])


def test_the_case_status_reads_as_words_in_both_languages_not_cli_text():
    case = CaseStatusFacts(
        case_id="xiangshan-2023-marine-001",
        status="satisfied",
        required_kg=422_500,
        retired_kg=422_500,
        retirement_ids=(),
        satisfies=True,
        judgment=None,
        closure_outcome=None,
        closure_document_hash=None,
        closure_height=None,
    )
    assert case_status_lines(case) == (
        "已履行：截至本注销所在区块，已注销 422,500 / 422,500 kg CO2e",
        "Satisfied: 422,500 of 422,500 kg CO2e retired as of this retirement's block",
        "本次注销使案件达到所需数量 this retirement completed the required quantity",
    )


def test_footers_give_the_page_total():
    assert page_text(1, 2) == "第 1 页，共 2 页 page 1 of 2"


def test_codes_print_with_bilingual_names_and_free_text_as_it_is():
    facts = dataclasses.replace(xiangshan_facts(), purpose=JUDICIAL_PURPOSE)
    rows = {row.label_en: row.lines for row in receipt_rows(facts)}
    assert rows["Ecosystem"] == ("海水养殖 mariculture",)
    assert rows["Purpose"] == ("替代性生态修复 alternative ecological restoration",)
    own_words = dataclasses.replace(facts, purpose="乡镇活动 township events", ecosystem="kelp")
    rows = {row.label_en: row.lines for row in receipt_rows(own_words)}
    assert rows["Purpose"] == ("乡镇活动 township events",)
    assert rows["Ecosystem"] == ("kelp",)


def test_every_code_the_contracts_store_has_a_bilingual_name():
    codes = set(ECOSYSTEMS) | ROLE_NAMES | ACCOUNT_KINDS | TX_TYPE_NAMES
    codes |= {status.value for status in SerialStatus} | {"judicial", "voluntary"}
    codes |= {JUDICIAL_PURPOSE, "accepted", "rejected"}
    assert codes <= set(CODE_NAMES)


def test_every_report_label_a_receipt_carries_has_a_bilingual_name():
    """An issuer-recorded verification's one hash is labelled "report": the checker page
    showed that word untranslated in Chinese."""
    labels = {"monitoring_report", "verification_report", "tenure_certificate", "other", "report"}
    assert labels <= set(CODE_NAMES)
    assert CODE_NAMES["report"] == ("report", "报告")


def test_voluntary_rows_leave_out_court_case_and_obligors():
    labels = [row.label_en for row in receipt_rows(voluntary_facts())]
    assert "Court" not in labels
    assert "Case number" not in labels
    assert "Obligors (masked)" not in labels
    assert "Quantity retired" in labels


# Line breaking and fitting, measured in the real font.


def test_chinese_text_wraps_between_characters_within_the_width(cjk_font: FontChoice):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from client.receipt.pdf import register_cjk_font

    name = register_cjk_font(cjk_font)
    text = "浙江省宁波市象山县黄避岙乡" * 6
    lines = wrap_text(text, name, VALUE_SIZE_PT, 200)
    assert len(lines) > 1
    assert "".join(lines) == text
    assert all(stringWidth(line, name, VALUE_SIZE_PT) <= 200 for line in lines)


def test_latin_text_wraps_at_spaces(cjk_font: FontChoice):
    from client.receipt.pdf import register_cjk_font

    name = register_cjk_font(cjk_font)
    text = "Huangbi'ao Township mariculture fishery carbon sink " * 4
    lines = wrap_text(text.strip(), name, VALUE_SIZE_PT, 150)
    assert len(lines) > 1
    assert " ".join(lines) == text.strip()
    assert wrap_text("", name, VALUE_SIZE_PT, 150) == ("",)


def test_hex_identifiers_shrink_to_fit_but_not_below_the_minimum(cjk_font: FontChoice):
    from client.receipt.pdf import register_cjk_font

    name = register_cjk_font(cjk_font)
    assert fit_size_pt("short", name, 300) == VALUE_SIZE_PT
    assert VALUE_SIZE_MIN_PT <= fit_size_pt("ab" * 32, name, 300) <= VALUE_SIZE_PT
    assert fit_size_pt("ab" * 200, name, 300) == VALUE_SIZE_MIN_PT
    assert fit_size_pt("", name, 300) == VALUE_SIZE_PT


# Reproducible bytes.


def test_identical_input_gives_identical_bytes(cjk_font: FontChoice):
    first = render_receipt_pdf(xiangshan_facts(), cjk_font)
    second = render_receipt_pdf(xiangshan_facts(), cjk_font)
    assert first.startswith(b"%PDF-")
    assert first == second


def test_bytes_do_not_depend_on_the_process_clock_zone_or_source_date_epoch(
    cjk_font: FontChoice, xiangshan_pdf: Path, tmp_path: Path
):
    # A fresh interpreter with another hash seed, time zone and $SOURCE_DATE_EPOCH (which
    # reportlab would otherwise mix into the document id).
    out = tmp_path / "again.pdf"
    script = (
        "import sys; from pathlib import Path\n"
        "from client.receipt.fonts import FontChoice\n"
        "from client.receipt.pdf import render_receipt_pdf\n"
        "from tests.unit.client.receipt_pdf_kit import xiangshan_facts\n"
        f"font = FontChoice(path=Path({str(cjk_font.path)!r}), "
        f"subfont_index={cjk_font.subfont_index}, source='test')\n"
        "Path(sys.argv[1]).write_bytes(render_receipt_pdf(xiangshan_facts(), font))\n"
    )
    env = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "TZ": "America/New_York",
        "SOURCE_DATE_EPOCH": "1234567890",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "-c", script, str(out)], env=env, check=True, cwd=ROOT)
    assert out.read_bytes() == xiangshan_pdf.read_bytes()


def test_different_facts_give_different_bytes(cjk_font: FontChoice):
    facts = xiangshan_facts()
    other = dataclasses.replace(facts, quantity_kg=422_499)
    assert render_receipt_pdf(facts, cjk_font) != render_receipt_pdf(other, cjk_font)


# The acceptance checks, with poppler-utils and zbar-tools.


def test_pdffonts_shows_the_cjk_font_embedded_and_nothing_unembedded(
    cjk_font: FontChoice, xiangshan_pdf: Path
):
    output = run_tool("pdffonts", "poppler-utils", str(xiangshan_pdf))
    fonts = [line.split() for line in output.splitlines()[2:] if line.strip()]
    assert fonts, output
    # Columns from the right: object ID, generation, then uni, sub, emb.
    embedded = {columns[0] for columns in fonts if columns[-5] == "yes"}
    assert embedded == {columns[0] for columns in fonts}, output
    assert all(columns[1] == "TrueType" for columns in fonts), output
    if cjk_font.path.name == "wqy-zenhei.ttc":
        assert any("WenQuanYiZenHei" in name for name in embedded), output


def test_pdftotext_finds_court_township_and_quantity(xiangshan_pdf: Path):
    text = run_tool("pdftotext", "poppler-utils", "-enc", "UTF-8", str(xiangshan_pdf), "-")
    facts = xiangshan_facts()
    for expected in (
        "象山县人民法院",
        "黄避岙",
        "422,500",
        "王某某",
        "3 of 3 validators signed (quorum 2)",
    ):
        assert expected in text, expected
    assert facts.receipt_id in text
    assert facts.receipt_digest in text
    assert "2023-11-15 06:15:23.456" in text


def test_the_pdf_says_in_plain_words_the_credits_are_retired_for_good(xiangshan_pdf: Path):
    """ "Kind: judicial retirement" was the only statement of finality (stop 57)."""
    text = " ".join(
        run_tool("pdftotext", "poppler-utils", "-enc", "UTF-8", str(xiangshan_pdf), "-").split()
    )
    assert "这 422.5 t CO2e 已为本案永久注销，不可再出售、转让或再次注销。" in text
    assert (
        "These 422.5 t CO2e are permanently retired for this case and can never be sold,"
        " transferred or retired again." in text
    )


def test_the_chain_row_names_the_chain_not_only_its_hash(xiangshan_pdf: Path):
    """The PDF printed the chain as a bare hex "Chain id" no clerk compares (stop 57)."""
    text = run_tool("pdftotext", "poppler-utils", "-enc", "UTF-8", str(xiangshan_pdf), "-")
    assert "lantan-xiangshan-example" in text
    facts = xiangshan_facts()
    assert f"genesis hash (chain id) {facts.chain_id}" in " ".join(text.split())


def test_pdfinfo_shows_one_page_and_the_block_time_as_creation_date(xiangshan_pdf: Path):
    info = run_tool("pdfinfo", "poppler-utils", "-rawdates", str(xiangshan_pdf))
    assert "Pages:           1" in info
    assert "D:20231115061523+08'00'" in info


def test_qr_code_decodes_to_the_receipt_id_and_hash(xiangshan_pdf: Path, tmp_path: Path):
    assert decode_qr_codes(xiangshan_pdf, tmp_path) == [qr_text(xiangshan_facts())]


def test_many_serial_ranges_continue_on_a_second_page(cjk_font: FontChoice, tmp_path: Path):
    ranges = tuple(
        SerialRange(
            batch_id=BATCH_ID, first_serial=index * 1000 + 1, last_serial=index * 1000 + 500
        )
        for index in range(60)
    )
    facts = dataclasses.replace(xiangshan_facts(), serial_ranges=ranges, quantity_kg=30_000)
    path = tmp_path / "long.pdf"
    path.write_bytes(render_receipt_pdf(facts, cjk_font))
    info = run_tool("pdfinfo", "poppler-utils", str(path))
    assert "Pages:           2" in info
    text = run_tool("pdftotext", "poppler-utils", "-enc", "UTF-8", str(path), "-")
    assert f"{BATCH_ID}: 59001–59500 (500 kg CO2e)" in text
    # The digest stays on page 1 with the QR code; each footer gives the total.
    page_one, page_two = text.split("\f")[:2]
    assert facts.receipt_digest in page_one and facts.receipt_digest not in page_two
    assert "第 1 页，共 2 页 page 1 of 2" in page_one
    assert "第 2 页，共 2 页 page 2 of 2" in page_two


def test_every_label_fits_its_column(cjk_font: FontChoice):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from client.receipt.pdf import register_cjk_font
    from client.receipt.pdf_layout import LABEL_EN_SIZE_PT, LABEL_WIDTH_PT, LABEL_ZH_SIZE_PT

    name = register_cjk_font(cjk_font)
    for row in receipt_rows(xiangshan_facts()):
        assert stringWidth(row.label_zh, name, LABEL_ZH_SIZE_PT) <= LABEL_WIDTH_PT, row.label_zh
        assert stringWidth(row.label_en, name, LABEL_EN_SIZE_PT) <= LABEL_WIDTH_PT, row.label_en


def test_rows_that_just_spill_onto_a_second_page_are_drawn_closer_on_one(
    cjk_font: FontChoice,
):
    """The demo's format-4 receipt, once it named its witness, printed its chain id alone
    on a second page; rows that fit one page with a tighter gap now stay on it, and rows
    that do not keep the usual gap."""
    from client.receipt.pdf import register_cjk_font
    from client.receipt.pdf_layout import layout_receipt, layout_rows, page_count
    from client.receipt.pdf_rows import ReceiptRow

    name = register_cjk_font(cjk_font)
    top = 700.0

    def rows(count: int) -> tuple[ReceiptRow, ...]:
        return tuple(
            ReceiptRow(label_zh="行", label_en="row", lines=(f"{n}",)) for n in range(count)
        )

    fits = next(n for n in range(1, 200) if page_count(layout_rows(rows(n + 1), name, top)) > 1)
    spilled = rows(fits + 1)  # one row past the usual page: that row alone on page 2
    assert page_count(layout_rows(spilled, name, top)) == 2
    assert page_count(layout_receipt(spilled, name, top)) == 1
    long = rows(2 * fits)  # no gap makes this one page: laid out as usual
    assert layout_receipt(long, name, top) == layout_rows(long, name, top)
    assert page_count(layout_receipt(long, name, top)) == 2


def test_voluntary_receipt_renders(cjk_font: FontChoice):
    assert render_receipt_pdf(voluntary_facts(), cjk_font).startswith(b"%PDF-")


# A missing or unusable font is a clear error, never a PDF with empty boxes.


def test_missing_font_is_a_clear_error_naming_the_package():
    with pytest.raises(FontError, match="apt-get install fonts-wqy-zenhei") as raised:
        find_cjk_font(None, {}, known_fonts=())
    assert "--font PATH" in str(raised.value)
    assert "LANTAN_CJK_FONT" in str(raised.value)


def test_a_file_that_is_not_truetype_is_a_clear_error(tmp_path: Path):
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"not a font at all")
    font = FontChoice(path=fake, subfont_index=0, source="--font")
    with pytest.raises(FontError, match="not a TrueType font reportlab can embed"):
        render_receipt_pdf(xiangshan_facts(), font)


def test_the_footer_names_the_checker_page_a_clerk_can_use(
    xiangshan_pdf: Path, cjk_font: FontChoice
):
    """A court clerk holding the printout cannot run `lantan`: the footer named only that
    command. It now names the registry's checker page first, and each line fits the page."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from client.receipt.pdf import FOOTER_LINES, FOOTER_SIZE_PT, register_cjk_font
    from client.receipt.pdf_layout import MARGIN_PT, PAGE_WIDTH_PT

    text = " ".join(
        run_tool("pdftotext", "poppler-utils", "-enc", "UTF-8", str(xiangshan_pdf), "-").split()
    )
    # Stop 57: where to check the paper itself, and what to compare there, in words.
    assert (
        "Check this paper: open the registry's checker page"
        " /checker?receipt=<receipt id> and compare the amount and case number shown there"
        " with this paper." in text
    )
    assert "核对该页显示的注销数量与案号是否与本纸面一致。" in text
    assert "lantan verify receipt RECEIPT.json --genesis GENESIS.json" in text
    name = register_cjk_font(cjk_font)
    page_total = stringWidth(page_text(1, 1), name, FOOTER_SIZE_PT) + 12
    widths = [stringWidth(line, name, FOOTER_SIZE_PT) for line in FOOTER_LINES]
    assert max(widths[:2]) <= PAGE_WIDTH_PT - 2 * MARGIN_PT
    assert widths[2] <= PAGE_WIDTH_PT - 2 * MARGIN_PT - page_total
