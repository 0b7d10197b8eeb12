"""Typed reads of the committed registry records, for web pages and API routes.

Every record comes back as the frozen type contracts/ defines for it (Project,
IssuanceBatch, Case, ...), parsed strictly by that type's codec: a page reads fields, never
dict keys, and a corrupted store fails loudly instead of showing half a record. Lists scan
one key prefix in key order and stop at a limit (a registry of this size pages).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from contracts.auction_records import Bid, Lot
from contracts.case_lifecycle_records import CaseClosure, CaseJudgment, case_status
from contracts.case_records import Case, Retirement
from contracts.claim_decision_records import (
    InsuranceClaimDecision,
    PolicyClaimTotals,
    policy_claim_totals,
)
from contracts.consideration_records import Consideration
from contracts.credit_records import (
    AttestedVerification,
    Holding,
    IssuanceBatch,
    Project,
    SerialBlock,
    SerialStatus,
    Verification,
)
from contracts.insurance import InsurancePolicy
from contracts.link_records import BatchLinks, ExternalIdClaim
from contracts.records import Account, HolderRecord, Institution, KeyRecord, NodeAddress
from contracts.reversal_records import InsuranceClaim
from contracts.state import StateView
from contracts.state_keys import (
    SERIAL_DIGITS,
    account_key,
    attested_verification_key,
    auction_bid_key,
    auction_key,
    batch_key,
    batch_links_key,
    case_closure_key,
    case_judgment_key,
    case_key,
    external_id_key,
    institution_key,
    insurance_claim_decision_key,
    insurance_key,
    node_address_key,
    project_key,
    project_tenure_key,
    tenure_claim_key,
    verification_key,
)
from contracts.tenure_records import ProjectTenure, TenureClaim
from protocol.encoding import decode
from protocol.signing import PublicKey

R = TypeVar("R")
V = TypeVar("V")
LIST_LIMIT: Final = 500
"""Most records a list page or search scans per kind."""
SERIALS_LIMIT: Final = 100_000
"""Most serial blocks a serial-range page or a serial search scans in one batch."""
CLAIMS_SCAN_MAX: Final = 100_000
"""Most insurance claims a policy's totals read (ADR 0035): far above any registry's."""
POLICY_TOTALS_HELD_MAX: Final = 10_000
"""Most policies whose claim totals are kept for the current head (policy_claim_totals)."""
BATCH_HELD_MAX: Final = 10_000
"""Most batches whose escrowed and pledged kg are kept for the current head (batch_held_kg)."""
ListState = Callable[[str, int], list[tuple[str, bytes]]]
"""(prefix, limit) -> up to limit (key, value) pairs whose key starts with prefix, in order."""
Listing = tuple[list[R], bool]
"""Records in key order, and True when more exist past the limit."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchHeldKg:
    """The kg of a batch's serial blocks that its record's counters leave out."""

    escrowed_kg: int
    """In ESCROWED blocks: up for auction (ADR 0034) until the lot settles."""
    pledged_kg: int
    """In PLEDGED blocks: security for a loan (ADR 0032) until released or enforced."""

    def to_json(self) -> dict[str, int]:
        """As the API and the CSV export add them to a batch's record."""
        return {"escrowed_kg": self.escrowed_kg, "pledged_kg": self.pledged_kg}


def held_kg(blocks: Iterable[SerialBlock | None], status: SerialStatus) -> int:
    """The kg of the blocks in status (None: a block not found is skipped)."""
    return sum(b.quantity_kg for b in blocks if b is not None and b.status is status)


class HeldPerHead(Generic[V]):
    """Values derived from the committed state, each kept until the head height moves; at
    most held_max at once (a full store is emptied, not evicted one by one). Without a head
    nothing is kept."""

    def __init__(self, head: Callable[[], int] | None, held_max: int) -> None:
        self._head = head
        self._held_max = held_max
        self._held: tuple[int, dict[str, V]] = (-1, {})

    def get(self, key: str, derive: Callable[[], V]) -> V:
        """The value kept for key at the current head, else derive() (then kept)."""
        height = -1 if self._head is None else self._head()
        held_height, held = self._held
        if height >= 0 and held_height == height and key in held:
            return held[key]
        value = derive()
        if height >= 0:
            if held_height != height or len(held) >= self._held_max:
                held = {}
            held[key] = value
            self._held = (height, held)
        return value


class RegistryRecords:
    """The committed records of one node, typed. Ids are taken as given: a page checks the
    shape of an id from a URL before asking, and an id that names nothing reads as None."""

    def __init__(
        self, state: StateView, list_state: ListState, head: Callable[[], int] | None = None
    ) -> None:
        """head: the committed height, when the caller has one; policy totals and batch held
        kg are then kept until it moves."""
        self._state = state
        self._list_state = list_state
        self._policy_totals: HeldPerHead[PolicyClaimTotals] = HeldPerHead(
            head, POLICY_TOTALS_HELD_MAX
        )
        self._batch_held: HeldPerHead[BatchHeldKg] = HeldPerHead(head, BATCH_HELD_MAX)

    # --- one record by id ----------------------------------------------------------------

    def institution(self, institution_id: str) -> Institution | None:
        return self._load(institution_key(institution_id), Institution.from_json)

    def account(self, account_id: str) -> Account | None:
        return self._load(account_key(account_id), Account.from_json)

    def project(self, project_id: str) -> Project | None:
        return self._load(project_key(project_id), Project.from_json)

    def project_tenure(self, project_id: str) -> ProjectTenure | None:
        """The project's boundary and tenure certificate (project.tenure, ADR 0027)."""
        return self._load(project_tenure_key(project_id), ProjectTenure.from_json)

    def tenure_claim(self, certificate_kind: str, certificate_number: str) -> TenureClaim | None:
        """The active project a tenure certificate backs (ADR 0027), or None: it backs none."""
        return self._load(
            tenure_claim_key(certificate_kind, certificate_number), TenureClaim.from_json
        )

    def batch(self, batch_id: str) -> IssuanceBatch | None:
        return self._load(batch_key(batch_id), IssuanceBatch.from_json)

    def batch_links(self, batch_id: str) -> BatchLinks | None:
        """The batch's labels and external registry ids (batch.link, ADR 0028)."""
        return self._load(batch_links_key(batch_id), BatchLinks.from_json)

    def external_id_claim(self, registry: str, external_id: str) -> ExternalIdClaim | None:
        """The one batch that claims an id of another registry (ADR 0028), or None."""
        return self._load(external_id_key(registry, external_id), ExternalIdClaim.from_json)

    def verification(self, verification_id: str) -> Verification | None:
        """A verification the issuer recorded (verification.record)."""
        return self._load(verification_key(verification_id), Verification.from_json)

    def verification_behind(
        self, batch: IssuanceBatch
    ) -> Verification | AttestedVerification | None:
        """The verification a batch was issued from: `verification/<id>` when present, else
        `attested_verification/<id>` (ADR 0026: an id names one or the other, never both;
        credits.issue looks them up in this order)."""
        recorded = self.verification(batch.verification_id)
        return (
            recorded if recorded is not None else self.attested_verification(batch.verification_id)
        )

    def attested_verification(self, verification_id: str) -> AttestedVerification | None:
        """A verification an accredited verifier signed (ADR 0026)."""
        return self._load(
            attested_verification_key(verification_id), AttestedVerification.from_json
        )

    def serial_block(self, batch_id: str, first_serial: int) -> SerialBlock | None:
        key = f"serials/{batch_id}/{first_serial:0{SERIAL_DIGITS}d}"
        return self._load(key, SerialBlock.from_json)

    def case(self, case_id: str) -> Case | None:
        return self._load(case_key(case_id), Case.from_json)

    def case_judgment(self, case_id: str) -> CaseJudgment | None:
        """The court's judgment in the case (case.judgment, ADR 0029)."""
        return self._load(case_judgment_key(case_id), CaseJudgment.from_json)

    def case_closure(self, case_id: str) -> CaseClosure | None:
        """The court's closure of the case (case.close, ADR 0029)."""
        return self._load(case_closure_key(case_id), CaseClosure.from_json)

    def case_lifecycle(self, case: Case) -> tuple[str, CaseJudgment | None, CaseClosure | None]:
        """The case's status (contracts' case_status, ADR 0029), judgment and closure."""
        judgment, closure = self.case_judgment(case.case_id), self.case_closure(case.case_id)
        return case_status(case, judgment, closure), judgment, closure

    def retirement(self, retirement_id_hex: str) -> Retirement | None:
        return self._load(f"retirement/{retirement_id_hex}", Retirement.from_json)

    def key_owner(self, public_key_hex: str) -> KeyRecord | None:
        """Which institution a signing key belongs to."""
        return self._load(f"key/{public_key_hex}", KeyRecord.from_json)

    def holder(self, public_key_hex: str) -> HolderRecord | None:
        """The accounts a holder key controls."""
        return self._load(f"holder/{public_key_hex}", HolderRecord.from_json)

    def node_address(self, public_key: PublicKey) -> NodeAddress | None:
        """The address a key announced last (node.announce, ADR 0023 and 0025)."""
        return self._load(node_address_key(public_key), NodeAddress.from_json)

    def policy(self, policy_id: str) -> InsurancePolicy | None:
        """An insurance policy (insurance.attest)."""
        return self._load(insurance_key(policy_id), InsurancePolicy.from_json)

    def claim_decision(self, claim_id: str) -> InsuranceClaimDecision | None:
        """The insurer's decision on a claim and its payment (ADR 0035); None: undecided."""
        return self._load(insurance_claim_decision_key(claim_id), InsuranceClaimDecision.from_json)

    def claims_with_decisions(
        self,
    ) -> list[tuple[InsuranceClaim, InsuranceClaimDecision | None]]:
        """Every insurance claim in key order (up to CLAIMS_SCAN_MAX), with its decision."""
        claims, _ = self._list("insurance_claim/", InsuranceClaim.from_json, CLAIMS_SCAN_MAX)
        return [(claim, self.claim_decision(claim.claim_id)) for claim in claims]

    def policy_claim_totals(self, policy_id: str) -> PolicyClaimTotals | None:
        """The policy's claims summed by the contracts' one rule (ADR 0035: derived on read
        from the claim and decision records); None for an unknown policy."""
        policy = self.policy(policy_id)
        if policy is None:
            return None
        # Every claim is read to sum one policy's, and a claims list page or CSV export asks
        # for each of its rows: kept per head height, that is one scan per policy a block,
        # not one per row (quadratic in the claims otherwise).
        return self._policy_totals.get(
            policy_id,
            lambda: policy_claim_totals(
                policy_id, policy.body.sum_insured_fen, self.claims_with_decisions()
            ),
        )

    def batch_held_kg(self, batch_id: str) -> BatchHeldKg | None:
        """The kg escrowed and pledged in the batch, over every one of its serial blocks
        (the batch record counts neither); None for an unknown batch."""
        batch = self.batch(batch_id)
        if batch is None:
            return None
        # Exact for any batch, so not a listing's first LIST_LIMIT blocks: a batch has at most
        # one block per serial, so last_serial bounds the scan, and one scan (one LevelDB
        # iterator, one snapshot) sees one height. It reads every block, so it is kept per
        # head height like the policy totals.
        return self._batch_held.get(batch_id, lambda: self._sum_held(batch_id, batch.last_serial))

    def _sum_held(self, batch_id: str, blocks_max: int) -> BatchHeldKg:
        blocks, _ = self.serial_blocks(batch_id, limit=blocks_max)
        return BatchHeldKg(
            escrowed_kg=held_kg(blocks, SerialStatus.ESCROWED),
            pledged_kg=held_kg(blocks, SerialStatus.PLEDGED),
        )

    def exists(self, prefix: str, record_id: str) -> bool:
        """True when prefix + record_id (e.g. "batch/" + id) names a committed record."""
        return self._state.get(prefix + record_id) is not None

    # --- lists in key order --------------------------------------------------------------

    def projects(self, limit: int = LIST_LIMIT) -> Listing[Project]:
        return self._list("project/", Project.from_json, limit)

    def verifications(self, limit: int = LIST_LIMIT) -> Listing[Verification]:
        return self._list("verification/", Verification.from_json, limit)

    def attested_verifications(self, limit: int = LIST_LIMIT) -> Listing[AttestedVerification]:
        return self._list("attested_verification/", AttestedVerification.from_json, limit)

    def batches(self, limit: int = LIST_LIMIT) -> Listing[IssuanceBatch]:
        return self._list("batch/", IssuanceBatch.from_json, limit)

    def cases(self, limit: int = LIST_LIMIT) -> Listing[Case]:
        return self._list("case/", Case.from_json, limit)

    def retirements(self, limit: int = LIST_LIMIT) -> Listing[Retirement]:
        return self._list("retirement/", Retirement.from_json, limit)

    def consideration(self, tx_id_hex: str) -> Consideration | None:
        """The price credits.transfer_priced recorded (ADR 0031), by its tx id."""
        return self._load(f"consideration/{tx_id_hex}", Consideration.from_json)

    def considerations(self, limit: int = LIST_LIMIT) -> Listing[Consideration]:
        return self._list("consideration/", Consideration.from_json, limit)

    def lot(self, lot_id: str) -> Lot | None:
        """A lot of a sealed-bid auction (auction.open, ADR 0034)."""
        return self._load(auction_key(lot_id), Lot.from_json)

    def lots(self, limit: int = LIST_LIMIT) -> Listing[Lot]:
        return self._list("auction/", Lot.from_json, limit)

    def lot_bids(self, lot: Lot) -> list[Bid]:
        """The lot's sealed bids in commit order (seq), found through its bidders list."""
        bids = (
            self._load(auction_bid_key(lot.lot_id, account), Bid.from_json)
            for account in lot.bidders
        )
        return [bid for bid in bids if bid is not None]

    def serial_blocks(self, batch_id: str, limit: int = LIST_LIMIT) -> Listing[SerialBlock]:
        """The serial blocks of a batch, in serial order."""
        return self._list(f"serials/{batch_id}/", SerialBlock.from_json, limit)

    def holdings(self, account_id: str, limit: int = LIST_LIMIT) -> Listing[Holding]:
        """An account's holdings, one per batch."""
        return self._list(f"holding/{account_id}/", Holding.from_json, limit)

    # --- parsing -------------------------------------------------------------------------

    def _load(self, key: str, parse: Callable[[object], R]) -> R | None:
        raw = self._state.get(key)
        return None if raw is None else parse(decode(raw))

    def _list(self, prefix: str, parse: Callable[[object], R], limit: int) -> Listing[R]:
        found = self._list_state(prefix, limit + 1)
        return [parse(decode(value)) for _, value in found[:limit]], len(found) > limit
