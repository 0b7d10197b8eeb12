"""What a judge reads off a verified retirement receipt (DESIGN.md §6). Pure data.

The receipt verifier (client/receipt/verify.py) produces ReceiptFacts only after every
signature and proof checked out; the CLI, the PDF and the web checker display them.
Quantities are integer kilograms; tonnes appear only as display text.
"""

from dataclasses import dataclass

from client.amounts import yuan_digits


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialRange:
    batch_id: str
    first_serial: int
    last_serial: int

    @property
    def quantity_kg(self) -> int:
        return self.last_serial - self.first_serial + 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptSigner:
    """A validator whose precommit certifies the block, or a witness whose cosignature of
    the checkpoint verified, as a court should read it."""

    key_name: str
    """The note key name (e.g. xiamen-ptc, or a witness's name): small print under the
    institution."""
    name_zh: str | None
    name_en: str | None
    """The institution holding the key in the genesis document; None when it is not there."""


def signer_text(signer: ReceiptSigner, language: str) -> str:
    """The institution, then its key name in brackets; the key name alone when genesis
    names no institution for the key, or names it after the key (a local net's witness)."""
    name = signer.name_zh if language == "zh" else signer.name_en
    if name is None or name == signer.key_name:
        return signer.key_name
    return f"{name}（{signer.key_name}）" if language == "zh" else f"{name} ({signer.key_name})"


@dataclass(frozen=True, slots=True, kw_only=True)
class LaterKeyStatus:
    """A key's status in a later block, as a node proved it (not part of the receipt)."""

    status: str
    """"active", "rotated" or "revoked" (contracts.records.KeyStatus)."""
    status_height: int | None
    """The height of the block whose tx rotated or revoked the key; None while active."""
    at_height: int
    """The certified block whose state_root proves the record."""
    source: str
    """The node that answered (its URL)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TxKey:
    """A key that signed the receipt's tx, read from the receipt's proven records."""

    public_key: str
    institution_id: str | None
    """None for a key registered to no institution (an account holder's)."""
    name_zh: str | None
    name_en: str | None
    roles: tuple[str, ...]
    """The institution's roles at the tx's height."""
    later: LaterKeyStatus | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportHash:
    """A labelled report of a verification: monitoring_report, verification_report,
    tenure_certificate, other; "report" for an issuer-recorded verification's hash."""

    label: str
    sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationFacts:
    """The verification behind the retired batch, as a format-4 receipt proves it (ADR 0030)."""

    verification_id: str
    attested: bool
    """True: signed by an accredited verifier (attested_verification/, ADR 0026); False:
    recorded by the issuer (verification/), its verifier named in free text."""
    verifier_id: str | None
    """The verifier institution (attested); None for an issuer-recorded verification."""
    verifier_name_zh: str | None
    verifier_name_en: str | None
    verification_body: str | None
    """The free-text verifier of an issuer-recorded verification; None when attested."""
    period_start: str
    period_end: str
    methodology_id: str | None
    methodology_version: str | None
    """Attested only; an issuer-recorded verification stands on the project's standard."""
    net_sink_kg: int
    """net_sink_kg (attested) or verified_kg (recorded)."""
    reports: tuple[ReportHash, ...]
    attested_height: int | None
    """The block that recorded the attestation; None for a recorded verification."""

    def methodology_text(self, accounting_standard: str) -> str:
        """ "HY/T 0305-2021 version 2021", or the project's standard for a recorded one."""
        if self.methodology_id is None:
            return f"{accounting_standard} (the project's accounting standard)"
        return f"{self.methodology_id} version {self.methodology_version}"

    @property
    def net_sink_text(self) -> str:
        """ "500,000 kg CO2e"."""
        return f"{self.net_sink_kg:,} kg CO2e"


@dataclass(frozen=True, slots=True, kw_only=True)
class JudgmentFacts:
    """The court's judgment in the case (case_judgment/<id>, ADR 0029), as a format-4
    receipt proves it at the retirement's block."""

    judgment_hash: str
    """SHA-256 of the judgment document (判决书), hex."""
    judgment_date: str
    compensation_fen: int
    """The compensation ordered, in fen (integer); shown as yuan."""
    harm_site: str
    ecosystem: str
    height: int
    """The block that recorded the judgment."""

    @property
    def compensation_yuan_text(self) -> str:
        """12236600 fen -> "122,366.00" (exact: integer fen shown as yuan)."""
        return yuan_digits(self.compensation_fen)


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseStatusFacts:
    """The case's status as of the retirement's block, from the records a format-4 receipt
    proves (case_status of ADR 0029: closed > satisfied > judgment > registered)."""

    case_id: str
    status: str
    """registered, judgment, satisfied or closed."""
    required_kg: int
    retired_kg: int
    retirement_ids: tuple[str, ...]
    """Every judicial retirement of the case up to the block, in commit order."""
    satisfies: bool
    """The case is satisfied and this retirement is its last: the retirement that brought
    retired_kg to required_kg (the case-satisfied receipt)."""
    judgment: JudgmentFacts | None
    closure_outcome: str | None
    closure_document_hash: str | None
    closure_height: int | None

    @property
    def status_line(self) -> str:
        """ "case xiangshan-2023-marine-001: SATISFIED 422,500 of 422,500 kg"."""
        closed = f" ({self.closure_outcome})" if self.closure_outcome is not None else ""
        return (
            f"case {self.case_id}: {self.status.upper()}{closed}"
            f" {self.retired_kg:,} of {self.required_kg:,} kg"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptFacts:
    receipt_id: str
    """Hex tx_id of the retirement tx (= the retirement's id on chain)."""
    receipt_hash: str
    """Hex SHA-256 of the receipt file's canonical JSON bytes: it changes whenever a node
    attaches a fresher checkpoint or certificate, so it names a file, not the receipt."""
    receipt_version: int
    """1 to 4 (PROTOCOL.md §14.1)."""
    receipt_digest: str
    """Hex receipt digest (§14.6): the same for every file of this retirement in versions 1-3,
    and for every version-4 file (which proves more records: another digest, ADR 0030)."""
    chain_id: str
    kind: str
    """"judicial" or "voluntary"."""
    court_id: str | None
    court_name_zh: str | None
    court_name_en: str | None
    case_id: str | None
    case_number: str | None
    case_type: str | None
    obligors_masked: tuple[str, ...]
    """Masked names only (e.g. 王某某); identities never appear on chain in clear."""
    quantity_kg: int
    serial_ranges: tuple[SerialRange, ...]
    beneficiary: str
    purpose: str
    reason: str | None = None
    """A voluntary retirement's reason, as its account holder signed it (checked against the
    tx); None for a judicial one, whose record derives it from the case record."""
    project_id: str
    project_name_zh: str
    project_name_en: str
    ecosystem: str
    location: str
    accounting_standard: str
    vintage: int
    batch_id: str
    height: int
    time_ms: int
    signed_by: tuple[str, ...]
    """Key names of the validators whose precommits certify the block."""
    signers: tuple[ReceiptSigner, ...]
    """The same validators as institutions, in the same order."""
    validator_count: int
    quorum: int
    witnessed_by: tuple[str, ...] = ()
    """Names of the genesis's witnesses whose cosignature of the checkpoint verified
    (ADR 0021); empty when the genesis names no witnesses."""
    witnessed_at_s: int | None = None
    """The latest time (POSIX seconds) a verified witness cosignature of the checkpoint
    signs: the upper edge of when the block was committed (PROTOCOL.md §5); None without
    witnesses."""
    witness_quorum: int = 0
    """Cosignatures the genesis asks for; 0 when it names no witnesses."""
    checkpoint_size: int = 0
    """The size N of the checkpoint this copy carries. Copies of one receipt (one digest)
    may carry different ones, so witnessed_at_s is this copy's bound: the smallest cosigned
    size above height gives the tightest (stop 57)."""
    witnesses: tuple[ReceiptSigner, ...] = ()
    """The witnesses of witnessed_by as institutions, in the same order: a witness is an
    institution of genesis holding its cosigning key (ADR 0025)."""
    signing_keys: tuple[TxKey, ...] = ()
    """The keys that signed the tx, their institutions and roles at its height (ADR 0024)."""
    verification: VerificationFacts | None = None
    """Format 4 (ADR 0030): the verification behind the retired credits; None before."""
    case_status: CaseStatusFacts | None = None
    """Format 4, judicial: the case's status as of the retirement's block."""
    chain_name: str = ""
    """The genesis's chain_name: with chain_id, which registry the receipt was checked
    against (a look-alike network names the same institutions)."""

    @property
    def finality_en(self) -> str:
        """What retired means, in the plain words a clerk needs beside VALID (stop 57):
        retired serials never change (contracts/reversal.py)."""
        whom = " for this case" if self.kind == "judicial" else ""
        return (
            f"These {self.quantity_tonnes_text} t CO2e are permanently retired{whom} and can"
            " never be sold, transferred or retired again."
        )

    @property
    def finality_zh(self) -> str:
        whom = "已为本案永久注销" if self.kind == "judicial" else "已永久注销"
        return f"这 {self.quantity_tonnes_text} t CO2e {whom}，不可再出售、转让或再次注销。"

    @property
    def chain_text(self) -> str:
        """ "lantan-xiangshan-local 09dd2346…": the chain's name and its short genesis hash."""
        short = f"{self.chain_id[:16]}…"
        return f"{self.chain_name} {short}" if self.chain_name else short

    @property
    def quantity_tonnes_text(self) -> str:
        """422500 -> "422.5" (exact: integer kilograms shown as tonnes)."""
        whole, rest = divmod(self.quantity_kg, 1000)
        return f"{whole}" if rest == 0 else f"{whole}.{rest:03d}".rstrip("0")

    @property
    def signed_summary(self) -> str:
        """ "2 of 3 validators signed (quorum 2)"."""
        return (
            f"{len(self.signed_by)} of {self.validator_count} validators signed"
            f" (quorum {self.quorum})"
        )

    @property
    def witnessed_summary(self) -> str:
        """ "1 witness cosigned the checkpoint (genesis asks 1)"."""
        count = len(self.witnessed_by)
        return (
            f"{count} {'witness' if count == 1 else 'witnesses'} cosigned the checkpoint"
            f" (genesis asks {self.witness_quorum})"
        )

    @property
    def witnessed_summary_zh(self) -> str:
        """ "1 个见证方联署检查点（创世文件要求 1 个）"."""
        return (
            f"{len(self.witnessed_by)} 个见证方联署检查点（创世文件要求 {self.witness_quorum} 个）"
        )

    @property
    def signed_summary_zh(self) -> str:
        """ "3 个验证节点中 2 个签署（法定数 2）"."""
        return (
            f"{self.validator_count} 个验证节点中 {len(self.signed_by)} 个签署"
            f"（法定数 {self.quorum}）"
        )
