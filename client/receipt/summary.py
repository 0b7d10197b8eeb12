"""The judge's summary of verified ReceiptFacts: text lines and a JSON object. Pure."""

from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone

from client.code_names import bilingual_name
from client.receipt.facts import CaseStatusFacts, ReceiptFacts, VerificationFacts, signer_text
from client.receipt.key_status import key_status_lines
from client.shown_text import shown
from protocol.encoding import JsonObject

BEIJING = timezone(timedelta(hours=8), "CST")


def time_text(time_ms: int) -> str:
    """UTC and Beijing time of a header's time_ms, to the second."""
    moment = datetime.fromtimestamp(time_ms / 1000, tz=UTC)
    beijing = moment.astimezone(BEIJING)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({beijing:%Y-%m-%d %H:%M:%S} Beijing)"


def summary_lines(facts: ReceiptFacts) -> list[str]:
    """What `lantan verify receipt` prints above VALID, the chain's free text shown
    (client/shown_text.py): a newline or an escape in it is no line of its own."""
    return [shown(line) for line in _summary_lines(facts)]


def _summary_lines(facts: ReceiptFacts) -> list[str]:
    lines = [
        # First: which registry proved it; two look-alike networks read the same below.
        f"chain        {facts.chain_text} (genesis hash {facts.chain_id})",
        f"receipt      {facts.receipt_id}",
        f"digest       {facts.receipt_digest} (the same for every copy of this receipt"
        f" in this format)",
        f"format       version {facts.receipt_version}",
        f"file hash    {facts.receipt_hash} (this file; changes with fresher proofs)",
    ]
    if facts.kind == "judicial":
        lines += [
            f"court        {facts.court_name_zh} ({facts.court_name_en})",
            f"case number  {facts.case_number}",
            f"case type    {facts.case_type}",
            f"obligors     {', '.join(facts.obligors_masked)}",
        ]
        if facts.case_status is not None:
            lines += case_status_lines(facts.case_status)
    lines += [
        f"retired      {facts.quantity_tonnes_text} t CO2e = {facts.quantity_kg:,} kg"
        f" ({bilingual_name(facts.kind)})",
        *(
            f"serials      {r.batch_id} {r.first_serial:,}-{r.last_serial:,} ({r.quantity_kg:,} kg)"
            for r in facts.serial_ranges
        ),
        *free_text_lines(facts),
        f"project      {facts.project_name_zh} ({facts.project_name_en})",
        f"location     {facts.location}",
        f"ecosystem    {bilingual_name(facts.ecosystem)}",
        f"standard     {facts.accounting_standard}",
        f"vintage      {facts.vintage} (batch {facts.batch_id})",
        f"height       {facts.height}",
        f"time         {time_text(facts.time_ms)}, by its proposer's clock",
        *committed_by_lines(facts),
        # The block's certificate (validators) here; the tx's own signers follow as
        # "tx signed by": two different sets of signatures, named apart.
        f"block        certified by {len(facts.signed_by)} of {facts.validator_count} validators"
        f" (quorum {facts.quorum}): " + "; ".join(signer_text(s, "en") for s in facts.signers),
    ]
    if facts.verification is not None:
        lines += verification_lines(facts.verification, facts.accounting_standard)
    lines += key_status_lines(facts.signing_keys, facts.height)
    if facts.witness_quorum:
        lines.append(
            f"witnessed    {facts.witnessed_summary}: "
            + "; ".join(signer_text(s, "en") for s in facts.witnesses)
        )
    # The plain consequence last, right above VALID (the output still ends with VALID).
    lines += [meaning_line(facts), f"final        {facts.finality_en}"]
    return lines


def free_text_lines(facts: ReceiptFacts) -> list[str]:
    """Beneficiary, purpose and reason. A voluntary retirement's are whatever its account
    holder signed, so they are quoted and labelled as the holder's: written to read like a
    court's case line they must not pass for one (h57 F12)."""
    purpose = bilingual_name(facts.purpose)
    if facts.kind == "judicial":
        return [f"beneficiary  {facts.beneficiary}", f"purpose      {purpose}"]
    own = "(the account holder's own words)"
    return [
        f"beneficiary  \u201c{facts.beneficiary}\u201d {own}",
        f"purpose      \u201c{purpose}\u201d {own}",
        *([] if facts.reason is None else [f"reason       \u201c{facts.reason}\u201d {own}"]),
    ]


def committed_by_lines(facts: ReceiptFacts) -> list[str]:
    """The upper edge of when the block was committed, when witnesses cosigned: the block's
    own time is its proposer's claim, checked only against the validators' clocks
    (PROTOCOL.md §5 "What time_ms guarantees")."""
    if facts.witnessed_at_s is None:
        return []
    # An upper bound from this copy's checkpoint: two copies of one receipt (one digest)
    # carry different checkpoints and print different bounds, and a re-fetch carries the
    # newest cosigned one, the loosest (stop 57's auditor); so say whose bound and how to
    # get the tightest.
    return [
        f"committed    by {time_text(facts.witnessed_at_s * 1000)}, when a witness cosigned"
        f" this copy's checkpoint (size {facts.checkpoint_size})",
        "             an upper bound that depends on the copy: the copy with the smallest"
        f" cosigned checkpoint above height {facts.height} gives the tightest"
        " (lantan receipt get RETIREMENT_ID --size N)",
    ]


def meaning_line(facts: ReceiptFacts) -> str:
    """The verdict in one plain sentence, last before VALID: what a reader who skips the
    hashes above needs. It opens with who retired: the court that signed and the case
    number of the court's case record, or the account holder, in words a voluntary
    retirement's free text cannot take the place of (h57 F12)."""
    what = f"{facts.quantity_tonnes_text} t CO2e ({facts.quantity_kg:,} kg) were retired"
    if facts.kind != "judicial":
        who = (
            "a VOLUNTARY retirement by the account holder, NOT a court's and tied to no court case"
        )
    else:
        who = (
            f"a judicial retirement signed by the court {facts.court_name_en}"
            f" for case {facts.case_number} (case id {facts.case_id})"
        )
    if facts.case_status is not None and facts.case_status.satisfies:
        what += ", which satisfied the case"
    return (
        f"meaning      {who}: {what}; the registry's validators certified it, and every"
        " signature and proof above checks against the genesis file alone"
    )


def case_status_lines(case: CaseStatusFacts) -> list[str]:
    """The case's status as of the retirement's block and its judgment (format 4)."""
    lines = [f"status       {case.status_line} (as of this retirement's block)"]
    if case.satisfies:
        lines.append("             this retirement brought the case to its required kg")
    if case.judgment is not None:
        j = case.judgment
        lines += [
            f"judgment     {j.judgment_date}: compensation {j.compensation_yuan_text} yuan,"
            f" harm site {j.harm_site} ({bilingual_name(j.ecosystem)})",
            f"             judgment document sha256 {j.judgment_hash}",
        ]
    if case.closure_outcome is not None:
        lines.append(
            f"closed       {bilingual_name(case.closure_outcome)} at height {case.closure_height},"
            f" document sha256 {case.closure_document_hash}"
        )
    return lines


def verification_lines(v: VerificationFacts, accounting_standard: str) -> list[str]:
    """The verification behind the retired credits (format 4, ADR 0030)."""
    if v.attested:
        verifier = (
            f"{v.verifier_name_zh} ({v.verifier_name_en}), accredited verifier"
            f" {v.verifier_id}, attested at height {v.attested_height}"
        )
    else:
        verifier = f"{v.verification_body} (named by the issuer: an issuer-recorded verification)"
    return [
        f"verification {v.verification_id}",
        f"verifier     {verifier}",
        f"period       {v.period_start} to {v.period_end}",
        f"methodology  {v.methodology_text(accounting_standard)}",
        f"net sink     {v.net_sink_text}",
        *(f"report       {bilingual_name(r.label)} sha256 {r.sha256}" for r in v.reports),
    ]


def facts_json(facts: ReceiptFacts) -> JsonObject:
    """ReceiptFacts as JSON, with the derived tonnes text and the k-of-n summary."""
    value: JsonObject = asdict(facts)
    value["serial_ranges"] = [asdict(r) for r in facts.serial_ranges]
    value["obligors_masked"] = list(facts.obligors_masked)
    value["signed_by"] = list(facts.signed_by)
    value["signers"] = [asdict(s) for s in facts.signers]
    value["witnessed_by"] = list(facts.witnessed_by)
    value["witnesses"] = [asdict(s) for s in facts.witnesses]
    value["signing_keys"] = [
        asdict(k) | {"roles": list(k.roles), "later": None if k.later is None else asdict(k.later)}
        for k in facts.signing_keys
    ]
    value["verification"] = (
        None
        if facts.verification is None
        else asdict(facts.verification)
        | {"reports": [asdict(r) for r in facts.verification.reports]}
    )
    value["case_status"] = (
        None
        if facts.case_status is None
        else asdict(facts.case_status)
        | {
            "retirement_ids": list(facts.case_status.retirement_ids),
            "status_line": facts.case_status.status_line,
        }
    )
    value["quantity_tonnes"] = facts.quantity_tonnes_text
    value["signed_summary"] = facts.signed_summary
    value["valid"] = True
    return value
