"""The receipt PDF's labelled rows: what each verified fact prints as, in both languages.

Pure. Units follow one convention everywhere a receipt is shown (the PDF, the checker
page): a quantity of credits is "N kg CO2e" or "N t CO2e", SI symbols in Chinese text as
in English, so the same number never appears in two spellings on one page.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Final

from client.code_names import bilingual_name, code_name
from client.receipt.facts import CaseStatusFacts, ReceiptFacts, ReceiptSigner, TxKey, signer_text
from client.receipt.key_status import roles_text

BEIJING_TIME: Final = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptRow:
    label_zh: str
    label_en: str
    lines: tuple[str, ...]
    """Value lines before wrapping; a line marked unbreakable is shrunk to fit instead."""
    unbreakable: bool = False
    """Hex identifiers: kept on one line so they can be read and compared whole."""
    fitted: tuple[str, ...] = ()
    """Lines printed after lines, each kept whole on one line (shrunk to fit): a label and
    the hex hash it names, so the hash is not broken across two lines."""


VOLUNTARY_KIND_LINES: Final = (
    "自愿注销：由账户持有人自行注销，并非法院的注销，不对应任何案件",
    "voluntary retirement by the account holder: NOT a court's, tied to no court case",
    "受益方、用途、原因是账户持有人自己的文字（下加引号）",
    "beneficiary, purpose and reason are the account holder's own words (quoted below)",
)
"""A voluntary receipt's kind, in words its free text cannot pass for a court's (h57 F12)."""


def beijing_time_text(time_ms: int) -> str:
    """Block time as Beijing time (UTC+8), to the millisecond. Requires time_ms >= 0."""
    moment = datetime.fromtimestamp(time_ms // 1000, BEIJING_TIME)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{time_ms % 1000:03d} 北京时间 Beijing time (UTC+8)"


def identity_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """The receipt id and digest: what the QR code encodes and a clerk compares with it.
    They print first, under the QR code, so no page break can part them from it."""
    return (
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


def receipt_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """The labelled facts in print order; judicial receipts add court, case and obligors."""
    judicial = facts.kind == "judicial"
    rows = [
        *identity_rows(facts),
        ReceiptRow(
            label_zh="凭证类型",
            label_en="Kind",
            lines=("司法注销 judicial retirement",) if judicial else VOLUNTARY_KIND_LINES,
        ),
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
            lines=(f"{_text(facts.court_name_zh)} {_text(facts.court_name_en)}",),
        ),
        ReceiptRow(
            label_zh="案号",
            label_en="Case number",
            lines=(_text(facts.case_number), f"案件标识 case id {_text(facts.case_id)}"),
        ),
        ReceiptRow(label_zh="案件类型", label_en="Case type", lines=(_text(facts.case_type),)),
        ReceiptRow(
            label_zh="义务人（已脱敏）",
            label_en="Obligors (masked)",
            lines=("、".join(facts.obligors_masked) or "—",),
        ),
    )


def case_status_lines(case: CaseStatusFacts) -> tuple[str, ...]:
    """The case's status at the retirement's block: one Chinese line, one English line."""
    name_zh, name_en = code_name(case.status, "zh"), code_name(case.status, "en")
    lines: tuple[str, ...] = (
        f"{name_zh}：截至本注销所在区块，已注销 {case.retired_kg:,} / {case.required_kg:,} kg CO2e",
        f"{name_en[:1].upper()}{name_en[1:]}: {case.retired_kg:,} of {case.required_kg:,} "
        "kg CO2e retired as of this retirement's block",
    )
    if case.satisfies:
        lines += ("本次注销使案件达到所需数量 this retirement completed the required quantity",)
    return lines


def _case_status_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """Format 4 (ADR 0030): the case's status at the retirement's block, its judgment."""
    case = facts.case_status
    if case is None:
        return ()
    rows = [ReceiptRow(label_zh="案件状态", label_en="Case status", lines=case_status_lines(case))]
    if case.judgment is not None:
        j = case.judgment
        rows.append(
            ReceiptRow(
                label_zh="判决",
                label_en="Judgment",
                lines=(
                    f"{j.judgment_date} · 赔偿 compensation {j.compensation_yuan_text} 元 yuan",
                    f"{j.harm_site} · {bilingual_name(j.ecosystem)}",
                ),
                fitted=(f"判决书 judgment sha256 {j.judgment_hash}",),
            )
        )
    if case.closure_outcome is not None:
        rows.append(
            ReceiptRow(
                label_zh="结案",
                label_en="Closure",
                lines=(
                    f"{bilingual_name(case.closure_outcome)} · 高度 height {case.closure_height}",
                ),
                fitted=(f"结案文书 closure document sha256 {case.closure_document_hash}",),
            )
        )
    return tuple(rows)


def _credit_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    ranges = tuple(
        f"{serial.batch_id}: {serial.first_serial}–{serial.last_serial}"
        f" ({serial.quantity_kg:,} kg CO2e)"
        for serial in facts.serial_ranges
    )
    return (
        ReceiptRow(
            label_zh="注销数量",
            label_en="Quantity retired",
            lines=(f"{facts.quantity_tonnes_text} t CO2e = {facts.quantity_kg:,} kg CO2e",),
        ),
        ReceiptRow(label_zh="序列号区间", label_en="Serial ranges", lines=ranges or ("—",)),
        *_free_text_rows(facts),
        ReceiptRow(
            label_zh="项目",
            label_en="Project",
            lines=(
                f"{facts.project_name_zh} · 项目标识 project id {facts.project_id}",
                facts.project_name_en,
            ),
        ),
        ReceiptRow(label_zh="地点", label_en="Location", lines=(facts.location,)),
        ReceiptRow(
            label_zh="生态系统", label_en="Ecosystem", lines=(bilingual_name(facts.ecosystem),)
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


def _free_text_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """Beneficiary, purpose and a voluntary retirement's reason: the account holder's own
    words there, quoted (the kind row says whose they are)."""
    judicial = facts.kind == "judicial"

    def words(text: str) -> str:
        return text if judicial else f"\u201c{text}\u201d"

    reason = () if facts.reason is None else (words(facts.reason),)
    return (
        ReceiptRow(label_zh="受益方", label_en="Beneficiary", lines=(words(facts.beneficiary),)),
        ReceiptRow(
            label_zh="用途", label_en="Purpose", lines=(words(bilingual_name(facts.purpose)),)
        ),
        *((ReceiptRow(label_zh="原因", label_en="Reason", lines=reason),) if reason else ()),
    )


def _verification_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """Format 4 (ADR 0030): the verification behind the retired credits."""
    v = facts.verification
    if v is None:
        return ()
    verifier: tuple[str, ...]
    if v.attested:
        verifier = (
            f"{_text(v.verifier_name_zh)} {_text(v.verifier_name_en)}",
            f"经认可的核证机构 accredited verifier {v.verifier_id}"
            f" · 高度 height {v.attested_height}",
        )
    else:
        verifier = (
            _text(v.verification_body),
            "由签发机构记录，非经认可的核证机构签署"
            " recorded by the issuer, not signed by an accredited verifier",
        )
    methodology = (
        f"{v.methodology_id} 第 {v.methodology_version} 版 version {v.methodology_version}"
        if v.attested
        else f"{facts.accounting_standard}（项目核算标准 the project's accounting standard）"
    )
    reports = tuple(f"{bilingual_name(r.label)} {r.sha256}" for r in v.reports)
    return (
        # The net sink is a line of the verification row, labelled inline: a row of its own
        # would push a full judicial receipt onto a second page.
        ReceiptRow(
            label_zh="核证",
            label_en="Verification",
            lines=(
                v.verification_id,
                *verifier,
                f"核证净碳汇量 verified net sink {v.net_sink_text}",
            ),
        ),
        ReceiptRow(
            label_zh="监测期与方法学",
            label_en="Period and methodology",
            lines=(f"{v.period_start} – {v.period_end} · {methodology}",),
        ),
        ReceiptRow(label_zh="报告哈希", label_en="Report hashes", lines=(), fitted=reports),
    )


def signer_line(signers: tuple[ReceiptSigner, ...]) -> str:
    """The signing institutions (Chinese names), each with its key name."""
    return "、".join(signer_text(s, "zh") for s in signers)


def _witness_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    """Who outside the validators cosigned the checkpoint (ADR 0021): the independent
    check a court relies on that the history was not rewritten. None without witnesses."""
    if not facts.witness_quorum:
        return ()
    return (
        ReceiptRow(
            label_zh="见证联署",
            label_en="Witnessed by",
            # One line per language: together they break mid-phrase once a count is plural.
            lines=(
                facts.witnessed_summary_zh,
                facts.witnessed_summary,
                signer_line(facts.witnesses),
                *witnessed_at_lines(facts),
            ),
        ),
    )


def witnessed_at_lines(facts: ReceiptFacts) -> tuple[str, ...]:
    """When the latest witness cosigned: the block was recorded by then (PROTOCOL.md §5);
    the time above it is the proposer's own clock."""
    if facts.witnessed_at_s is None:
        return ()
    moment = datetime.fromtimestamp(facts.witnessed_at_s, BEIJING_TIME)
    # This copy's bound (its checkpoint's size): copies of one receipt may carry different
    # checkpoints, so a court comparing two sees why their times differ (stop 57).
    size = facts.checkpoint_size
    return (
        f"最晚联署于 latest cosigned at {moment:%Y-%m-%d %H:%M:%S} 北京时间 Beijing time",
        f"本副本检查点（大小 {size}）给出的上限，因副本而异；包含该高度的最小联署检查点最精确",
        f"an upper bound from this copy's checkpoint (size {size}); it differs between"
        " copies, the smallest cosigned checkpoint holding the height gives the tightest",
    )


def key_line(key: TxKey) -> str:
    """One key that signed the tx: institution, roles, the start of the key, and that it was
    in force when it signed (the receipt proves its record at the tx's height)."""
    who = (
        f"{key.name_zh}（{roles_text(key.roles, 'zh')}）"
        if key.institution_id is not None
        else "账户持有人 account holder"
    )
    return f"{who} {key.public_key[:16]}… 签署时有效 in force"


def _key_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    if not facts.signing_keys:
        return ()
    lines = tuple(key_line(k) for k in facts.signing_keys)
    return (ReceiptRow(label_zh="注销签署方", label_en="Retirement signed by", lines=lines),)


def _chain_rows(facts: ReceiptFacts) -> tuple[ReceiptRow, ...]:
    return (
        ReceiptRow(
            # When first, in words a clerk reads; the block height is the registry's index.
            label_zh="登记时间",
            label_en="Recorded on",
            lines=(f"{beijing_time_text(facts.time_ms)} · 区块高度 block height {facts.height}",),
        ),
        ReceiptRow(
            # The block's certificate; the tx's own signers are the next row (named apart,
            # as `lantan verify receipt` names them: a clerk read both as "signed").
            label_zh="区块认证",
            label_en="Block certified by",
            lines=(
                f"{facts.signed_summary_zh} {facts.signed_summary}",
                signer_line(facts.signers),
                # Each node keeps the quorum it collected: two copies of one receipt (one
                # digest) can name different validators, and a clerk comparing the printout
                # with the checker page must not read that as tampering.
                "另一份副本可能列出其他验证节点 another copy of this receipt may name other "
                "validators",
            ),
        ),
        *_witness_rows(facts),
        *_key_rows(facts),
        # The chain's name first: a bare hash is what no clerk compares (stop 57).
        ReceiptRow(
            label_zh="登记链",
            label_en="Chain",
            lines=(facts.chain_name or "—",),
            fitted=(f"创世哈希 genesis hash (chain id) {facts.chain_id}",),
        ),
    )


def _text(value: str | None) -> str:
    return "—" if value is None else value
