"""Random tx sequences against the contracts, checked after every step against the naive
per-kilogram reference model (tests/property/contracts_reference.py).

Each rule draws a seed, drafts a block of 1-4 txs from it (tests/vectors/contracts/
tx_generators.py), predicts every result with the reference and compares. After each step:
the state equals the reference kilogram by kilogram; tonnage is conserved and every batch
is exactly partitioned; RETIRED and CANCELLED are terminal; no serial is retired twice;
FROZEN and BUFFER units never move; holdings and nonces are exact; no batch draws more kg
than its attested verification holds, and a verifier suspended by role.revoke has every later
verification.attest refused until it is granted the role again (ADR 0026); a tenure
certificate is never claimed twice by active projects and its index key names exactly the
active project it backs (ADR 0027); an external registry id, once claimed by a batch, is
claimed by that batch forever and by no other, and batch_links/ and external_id/ agree
both ways (ADR 0028); a case is satisfied exactly when its judicial retirements reach its
required kg, a closed case's retired kg never changes again, and every case's status is the
reference's (ADR 0029); every consideration/ record is the reference's, its total is kg x
fen/t / 1000 to the nearest fen, half up, and a priced transfer moves the kilograms the
reference's unpriced transfer rule moves (ADR 0031); a batch's reversals never lose more
than its issued and buffer kg, draw only its BUFFER units, lowest first, and never touch a
retired one (ADR 0033); pledged kilograms never move, nor change status, except by
their pledge's release (active again, same account) or enforcement (active in the lender's
account), and every pledge record covers exactly the kilograms the reference says (ADR 0032);
escrowed kilograms never move, nor change status, except at their lot's settlement, are
exactly the open lots', and an auction never awards to an unrevealed, invalid or late bid:
the winner is the reference's outcome over the bids on chain (ADR 0034).
"""

import random
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from contracts import committed_nonce
from contracts.auction_records import Bid, EscrowedBlock, Lot
from contracts.case_lifecycle_records import CaseStatus, case_status_in
from contracts.case_records import Case, Retirement
from contracts.claim_decision_records import (
    CLAIM_MOVES,
    InsuranceClaimDecision,
    PolicyClaimTotals,
    policy_claim_totals,
    status_after,
)
from contracts.consideration_records import Consideration
from contracts.credit_records import AttestedVerification, Holding, IssuanceBatch, SerialBlock
from contracts.insurance import InsurancePolicy
from contracts.link_records import BatchLinks, ExternalIdClaim
from contracts.pledge_records import Pledge, PledgedBlock
from contracts.reversal_records import BatchReversals, InsuranceClaim, Reversal
from contracts.state_keys import (
    auction_bid_key,
    batch_reversal_key,
    case_closure_key,
    insurance_claim_decision_key,
    insurance_key,
)
from contracts.tenure_records import ProjectTenure, TenureClaim
from contracts.tx_types import TxType
from genesis.example.parties import ECO_ACCOUNT, INSTITUTIONS, VALIDATOR_IDS, party_key
from protocol.encoding import decode
from tests.property.auction_reference import reference_outcome
from tests.property.contracts_reference import Op, ReferenceLedger, Unit
from tests.vectors.contracts.network import TestChain
from tests.vectors.contracts.tx_generators import TxGenerator

# Holds the unit tier's longest test (a stateful machine, 25-60 s): started first, not last, so
# that none runs alone at the tier's end while the other workers idle (tests/kit/network_groups.py
# schedule_order).
RUN_FIRST = True

COUNTS: Counter[tuple[str, bool]] = Counter()
"""(tx type, accepted) over every run of the test."""
MACHINE_SETTINGS = settings(
    max_examples=120,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
KgState = tuple[str | None, str, str | None, bytes | None, str | None]
CLAIM_PATHS = CLAIM_MOVES | {(a, c) for a, b in CLAIM_MOVES for b2, c in CLAIM_MOVES if b == b2}
"""Where a claim's status may be after one block of up to 4 txs: one move or two in a row
(filed -> accepted -> paid); no path is longer (ADR 0035)."""


def genesis_reference() -> ReferenceLedger:
    ref = ReferenceLedger()
    for institution, _, _, roles in INSTITUTIONS:
        ref.roles[institution] = set(roles)
        ref.key_owner[party_key(institution).public_key] = institution
    county = party_key("xiangshan-county").public_key
    ref.accounts[ECO_ACCOUNT] = (county, "ningbo-ptc")
    ref.holders[county] = {ECO_ACCOUNT}
    validators = frozenset(party_key(v).public_key for v in VALIDATOR_IDS)
    ref.validators = ref.next_validators = (validators, 2)
    return ref


def buffer_drawn(chain: TestChain, batch_id: str) -> int:
    """The BUFFER kg the batch's reversals cancelled (ADR 0033); 0 without reversals."""
    raw = chain.state.get(batch_reversal_key(batch_id))
    return 0 if raw is None else BatchReversals.from_json(decode(raw)).buffer_drawn_kg


def records(chain: TestChain, prefix: str) -> list[Any]:
    return [decode(v) for k, v in chain.state.items() if k.startswith(prefix)]


def kilograms(chain: TestChain) -> dict[str, list[KgState]]:
    """Every batch as one entry per kilogram, read from the contract's serial blocks."""
    blocks: dict[str, list[SerialBlock]] = {}
    for value in records(chain, "serials/"):
        block = SerialBlock.from_json(value)
        blocks.setdefault(block.batch_id, []).append(block)
    expanded = {}
    for batch, found in blocks.items():
        found.sort(key=lambda b: b.first_serial)
        units: list[KgState] = []
        for block in found:
            # Exact partition: each block starts right after the previous one ends.
            assert block.first_serial == len(units) + 1, (batch, block)
            assert block.last_serial >= block.first_serial, block
            state = (
                block.account_id,
                block.status.value,
                block.frozen_by,
                block.retirement_id,
                block.case_id,
            )
            units += [state] * block.quantity_kg
        expanded[batch] = units
    return expanded


def as_kg(unit: Unit) -> KgState:
    return (unit.account, unit.status, unit.frozen_by, unit.retirement, unit.case)


class ContractsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chain = TestChain.create()
        self.ref = genesis_reference()
        self.generator = TxGenerator(self.ref)
        self.previous: dict[str, list[KgState]] = {}
        self.unfrozen_in_block = False
        self.suspended: set[str] = set()
        """Institutions whose verifier role was revoked and not granted again."""
        self.first_claims: dict[tuple[str, str], str] = {}
        """(registry, id) -> the batch that claimed it first (ADR 0028)."""
        self.closed_kg: dict[str, int] = {}
        """case -> its retired kg when it was first seen closed (ADR 0029)."""
        self.claim_statuses: dict[str, str] = {}
        """claim -> its status after the previous step (ADR 0035)."""
        self.blocks = 0
        """Blocks drafted so far in this example."""

    @rule(seed=st.integers(min_value=0, max_value=2**32 - 1), size=st.integers(1, 4))
    def block(self, seed: int, size: int) -> None:
        # The step number goes into the block's stream: hypothesis draws small and boundary
        # integers often (seed 0 was 14 % of one run's blocks), and the same seed at every
        # step drafted the same first tx type again and again.
        self.blocks += 1
        rng = random.Random(f"{seed}/{self.blocks}")
        self.ref.begin_block()
        self.ref.unpledged.clear()
        self.ref.unescrowed.clear()
        txs, predicted = [], []
        for _ in range(size):
            draft = self.generator.draft(rng)
            signed = self.chain.build(draft.tx_type, draft.sender, draft.body, draft.cosigners)
            signers = frozenset(signed.signers)
            op = Op(draft.tx_type, signed.tx.sender, signers, draft.body, signed.tx_id)
            predicted.append(self.ref.execute(op))
            txs.append(signed)
        results = self.chain.apply(txs)
        self.unfrozen_in_block = False
        for signed, expected, result in zip(txs, predicted, results, strict=True):
            if signed.tx.type == "credits.unfreeze" and result.reason is None:
                self.unfrozen_in_block = True
            COUNTS[(signed.tx.type, result.reason is None)] += 1
            assert result.reason == expected, (signed.tx.type, signed.tx.body, result)
            self.track_suspensions(signed.tx.type, signed.tx.sender, signed.tx.body, result.reason)

    def track_suspensions(
        self, tx_type: str, sender: Any, body: dict[str, Any], reason: str | None
    ) -> None:
        """A suspended verifier's verification.attest is refused, whatever else it holds."""
        if tx_type == "verification.attest" and self.ref.key_owner.get(sender) in self.suspended:
            assert reason == "verifier_not_accredited", body
        if reason is None and tx_type in ("role.grant", "role.revoke"):
            if body["role"] == "verifier" and tx_type == "role.revoke":
                self.suspended.add(body["institution_id"])
            elif body["role"] == "verifier":
                self.suspended.discard(body["institution_id"])

    @invariant()
    def state_matches_reference(self) -> None:
        current = kilograms(self.chain)
        assert sorted(current) == sorted(self.ref.units)
        for batch, units in self.ref.units.items():
            assert current[batch] == [as_kg(u) for u in units], batch
        self.check_conservation(current)
        self.check_transitions(current)
        self.check_retirements(current)
        self.check_holdings(current)
        self.check_nonces()
        self.check_attested_kg()
        self.check_tenure_claims()
        self.check_links()
        self.check_cases(current)
        self.check_considerations()
        self.check_reversals(current)
        self.check_pledges(current)
        self.check_lots(current)
        self.check_claim_decisions()
        self.previous = current

    def check_conservation(self, current: dict[str, list[KgState]]) -> None:
        """Tonnage per batch: issued = active + frozen + retired + cancelled; buffer fixed."""
        for value in records(self.chain, "batch/"):
            batch = IssuanceBatch.from_json(value)
            statuses = Counter(kg[1] for kg in current[batch.batch_id])
            assert len(current[batch.batch_id]) == batch.quantity_kg + batch.buffer_kg
            drawn = buffer_drawn(self.chain, batch.batch_id)  # ADR 0033
            assert statuses["buffer"] == batch.buffer_kg - drawn
            assert statuses["retired"] == batch.retired_kg
            assert statuses["cancelled"] == batch.cancelled_kg + drawn
            moving = statuses["active"] + statuses["frozen"] + statuses["pledged"]
            moving += statuses["escrowed"]
            assert moving + batch.retired_kg + batch.cancelled_kg == batch.quantity_kg

    def check_transitions(self, current: dict[str, list[KgState]]) -> None:
        """RETIRED, CANCELLED and BUFFER kg never change; FROZEN kg stay put until unfrozen
        (an unfreeze earlier in the same block may have released them)."""
        for batch, before in self.previous.items():
            for index, (old, new) in enumerate(zip(before, current[batch], strict=True)):
                if old[1] == "buffer" and new[1] == "cancelled":  # a reversal (ADR 0033)
                    assert new[0] is None, (batch, old, new)
                elif old[1] in ("retired", "cancelled", "buffer"):
                    assert new == old, (batch, old, new)
                elif old[1] == "frozen" and new[1] == "frozen":
                    # Frozen kg stay with their holder, unless an unfreeze in the block let
                    # them move and another freeze caught them at the new holder.
                    assert new[0] == old[0] or self.unfrozen_in_block, (batch, old, new)
                elif old[1] == "frozen":
                    assert self.unfrozen_in_block, (batch, old, new)
                self.check_pledged_kg(batch, index, old, new)
                self.check_escrowed_kg(batch, index, old, new)

    def check_pledged_kg(self, batch: str, index: int, old: KgState, new: KgState) -> None:
        """A pledged kg stays exactly as it is unless its pledge was released or enforced in
        this block (ADR 0032); what it became then (active in the pledgor's or the lender's
        account, or moved on by a later tx of the block) is the reference's comparison."""
        if old[1] == "pledged" and new != old:
            assert (batch, index) in self.ref.unpledged, ("moved while pledged", batch, old, new)

    def check_escrowed_kg(self, batch: str, index: int, old: KgState, new: KgState) -> None:
        """An escrowed kg stays exactly as it is unless its lot was settled in this block
        (ADR 0034): escrowed kilograms are never spent twice."""
        if old[1] == "escrowed" and new != old:
            assert (batch, index) in self.ref.unescrowed, ("moved in escrow", batch, old, new)

    def check_lots(self, current: dict[str, list[KgState]]) -> None:
        """Each lot is the reference's; an open lot's ranges hold exactly escrowed kg of its
        seller and escrowed/ keys name exactly those blocks; escrowed kg are exactly the open
        lots'; a settled lot's winner is the one the bids on chain give: a revealed bid at
        or above the reserve, the highest, earliest on ties, never an unrevealed, invalid
        or late one (ADR 0034)."""
        marks = {}
        found = {}
        for value in records(self.chain, "auction/"):
            lot = Lot.from_json(value)
            entry = self.ref.lots[lot.lot_id]
            found[lot.lot_id] = (lot.status, lot.winner_account, lot.price_fen_per_t)
            indices = [s - 1 for first, last in lot.ranges for s in range(first, last + 1)]
            assert indices == entry["indices"] and len(indices) == lot.quantity_kg
            assert list(lot.bidders) == [b["account"] for b in entry["bids"]]
            bids = [
                Bid.from_json(decode(self.chain.state.get(auction_bid_key(lot.lot_id, a)) or b""))
                for a in lot.bidders
            ]
            assert [b.seq for b in bids] == list(range(lot.bid_count))
            assert all(b.height <= lot.bid_end_height for b in bids), "a late bid"
            if lot.status == "open":
                units = current[lot.batch_id]
                assert all(units[i][:2] == (lot.account_id, "escrowed") for i in indices)
                for first, last in lot.ranges:
                    marks[(lot.batch_id, first)] = (lot.lot_id, last)
                continue
            winner, price, unrevealed, invalid = reference_outcome(entry)
            assert (lot.winner_account, lot.price_fen_per_t) == (winner, price)
            assert list(lot.unrevealed) == unrevealed
            assert [[i.bidder_account, i.reason] for i in lot.invalid] == invalid
            if winner is not None:
                won = next(b for b in bids if b.bidder_account == winner)
                assert won.revealed_price_fen_per_t == price and won.reveal_tx_id is not None
                assert price is not None and price >= lot.reserve_fen_per_t
        assert found == {
            lot: (e["status"], e["winner"], e["price"]) for lot, e in self.ref.lots.items()
        }
        index = {}
        for key, value in self.chain.state.items():
            if key.startswith("escrowed/"):
                mark = EscrowedBlock.from_json(decode(value))
                batch, first = key.split("/")[1], int(key.split("/")[2])
                index[(batch, first)] = (mark.lot_id, mark.last_serial)
        assert index == marks
        escrowed = sum(1 for units in current.values() for kg in units if kg[1] == "escrowed")
        open_lots = [e for e in self.ref.lots.values() if e["status"] == "open"]
        assert escrowed == sum(len(e["indices"]) for e in open_lots)

    def check_pledges(self, current: dict[str, list[KgState]]) -> None:
        """pledge/ records equal the reference's pledges; each active pledge's ranges hold
        exactly pledged kg of its account, and pledged/ keys name exactly those blocks."""
        found: dict[str, list[Any]] = {}
        marks = {}
        for value in records(self.chain, "pledge/"):
            pledge = Pledge.from_json(value)
            indices = [s - 1 for first, last in pledge.ranges for s in range(first, last + 1)]
            assert len(indices) == pledge.quantity_kg
            found[pledge.pledge_id] = [pledge.lender, pledge.account_id, pledge.batch_id]
            found[pledge.pledge_id] += [indices, pledge.status]
            if pledge.status == "active":
                units = current[pledge.batch_id]
                assert all(units[i][:2] == (pledge.account_id, "pledged") for i in indices)
                for first, last in pledge.ranges:
                    marks[(pledge.batch_id, first)] = (pledge.pledge_id, last)
        assert found == self.ref.pledges
        index = {}
        for key, value in self.chain.state.items():
            if key.startswith("pledged/"):
                mark = PledgedBlock.from_json(decode(value))
                batch, first = key.split("/")[1], int(key.split("/")[2])
                index[(batch, first)] = (mark.pledge_id, mark.last_serial)
        assert index == marks
        pledged = sum(1 for units in current.values() for kg in units if kg[1] == "pledged")
        assert pledged == sum(len(e[3]) for e in self.ref.pledges.values() if e[4] == "active")

    def check_retirements(self, current: dict[str, list[KgState]]) -> None:
        """Every RETIRED kg lies in exactly one retirement record, the one its block names."""
        owners: dict[tuple[str, int], bytes] = {}
        for value in records(self.chain, "retirement/"):
            retirement = Retirement.from_json(value)
            total = 0
            for first, last in retirement.ranges:
                for serial in range(first, last + 1):
                    assert (retirement.batch_id, serial) not in owners, "retired twice"
                    owners[(retirement.batch_id, serial)] = retirement.retirement_id
                total += last - first + 1
            assert total == retirement.quantity_kg
        retired = {
            (batch, index + 1): kg[3]
            for batch, units in current.items()
            for index, kg in enumerate(units)
            if kg[1] == "retired"
        }
        assert retired == owners

    def check_holdings(self, current: dict[str, list[KgState]]) -> None:
        expected: Counter[tuple[str, str, str]] = Counter()
        for batch, units in current.items():
            for kg in units:
                if kg[0] is not None:
                    expected[(kg[0], batch, kg[1])] += 1
        seen = set()
        for value in records(self.chain, "holding/"):
            holding = Holding.from_json(value)
            pair = (holding.account_id, holding.batch_id)
            seen.add(pair)
            assert holding.active_kg == expected[(*pair, "active")]
            assert holding.frozen_kg == expected[(*pair, "frozen")]
            assert holding.retired_kg == expected[(*pair, "retired")]
        held = {(a, b) for (a, b, s), n in expected.items() if s != "cancelled" and n}
        assert held <= seen

    def check_attested_kg(self) -> None:
        """Per attested verification: its batches (buffer included) sum to issued_kg, which
        never exceeds net_sink_kg, and equal the reference's count."""
        drawn: Counter[str] = Counter()
        for value in records(self.chain, "batch/"):
            batch = IssuanceBatch.from_json(value)
            drawn[batch.verification_id] += batch.quantity_kg + batch.buffer_kg
        found = {}
        for value in records(self.chain, "attested_verification/"):
            record = AttestedVerification.from_json(value)
            assert drawn[record.verification_id] == record.issued_kg <= record.net_sink_kg
            found[record.verification_id] = [record.net_sink_kg, record.issued_kg]
        assert found == {v: entry[1:3] for v, entry in self.ref.attested.items()}

    def check_tenure_claims(self) -> None:
        """A tenure certificate is never claimed twice by active projects (ADR 0027): each
        `tenure/<kind>/<number>` names one project whose tenure is active with exactly that
        certificate, each active tenure has its index key, and both match the reference."""
        active: dict[tuple[str, str], str] = {}
        statuses = {}
        for value in records(self.chain, "project_tenure/"):
            tenure = ProjectTenure.from_json(value)
            statuses[tenure.project_id] = tenure.status == "active"
            if tenure.status == "active":
                certificate = (tenure.certificate_kind, tenure.certificate_number)
                assert certificate not in active, ("claimed twice", certificate)
                active[certificate] = tenure.project_id
        index = {}
        for value in records(self.chain, "tenure/"):
            claim = TenureClaim.from_json(value)
            index[(claim.certificate_kind, claim.certificate_number)] = claim.project_id
        assert index == active == self.ref.certificates
        assert statuses == {p: entry[2] for p, entry in self.ref.tenures.items()}

    def check_links(self) -> None:
        """Each external id is claimed by one batch, the first one, forever; each claim is
        listed on its batch's links and each listed id is claimed by that batch; both equal
        the reference's."""
        claims: dict[tuple[str, str], str] = {}
        for value in records(self.chain, "external_id/"):
            claim = ExternalIdClaim.from_json(value)
            ref = (claim.registry, claim.id_)
            assert self.first_claims.setdefault(ref, claim.batch_id) == claim.batch_id, ref
            claims[ref] = claim.batch_id
        assert set(self.first_claims) == set(claims)
        listed: dict[tuple[str, str], str] = {}
        labels: dict[str, set[str]] = {}
        for value in records(self.chain, "batch_links/"):
            links = BatchLinks.from_json(value)
            labels[links.batch_id] = set(links.labels)
            for external in links.external_ids:
                assert (external.registry, external.id_) not in listed, external
                listed[(external.registry, external.id_)] = links.batch_id
        assert listed == claims == self.ref.linked.claims
        assert labels == self.ref.linked.labels

    def check_cases(self, current: dict[str, list[KgState]]) -> None:
        """A case is satisfied exactly when its judicial retirements (the retired kg naming
        it) reach its required kg and it is not closed; a closed case takes no more; each
        case's status, by the contracts' rule, is the reference's own derivation."""
        judicial = Counter(
            kg[4] for units in current.values() for kg in units if kg[1] == "retired"
        )
        statuses = {}
        for value in records(self.chain, "case/"):
            case = Case.from_json(value)
            status = case_status_in(self.chain.state, case)
            closed = self.chain.state.get(case_closure_key(case.case_id)) is not None
            assert judicial[case.case_id] == case.retired_kg <= case.required_kg, case.case_id
            reached = case.retired_kg == case.required_kg
            assert (status == CaseStatus.SATISFIED) == (reached and not closed), case.case_id
            assert (status == CaseStatus.CLOSED) == closed, case.case_id
            if closed:
                first = self.closed_kg.setdefault(case.case_id, case.retired_kg)
                assert first == case.retired_kg, ("retired after closing", case.case_id)
            statuses[case.case_id] = status
        assert statuses == {case: self.ref.status_of(case) for case in self.ref.cases}

    def check_considerations(self) -> None:
        """Each consideration/ record is the reference's (body, tx id, total), and its total
        is kg x fen/t / 1000 to the nearest fen, half a fen up: 1000 x total misses
        kg x price by less than half a fen below, at most half a fen above."""
        found = {}
        for value in records(self.chain, "consideration/"):
            record = Consideration.from_json(value)
            excess_milli_fen = (
                record.total_fen * 1000 - record.quantity_kg * record.unit_price_fen_per_t
            )
            assert -500 < excess_milli_fen <= 500, value
            found[bytes(record.tx_id)] = {k: v for k, v in value.items() if k != "height"}
        assert found == self.ref.considerations

    def check_reversals(self, current: dict[str, list[KgState]]) -> None:
        """Reversals never exceed the batch's issued and buffer kg; the BUFFER units a batch
        lost are its lowest buffer serials, cancelled with no holder; every reversal's loss
        is drawn or uncovered; the totals are the reference's (ADR 0033). Retired units never
        change at all (check_transitions)."""
        lost: Counter[str] = Counter()
        for value in records(self.chain, "reversal/"):
            reversal = Reversal.from_json(value)
            assert reversal.buffer_drawn_kg + reversal.uncovered_kg == reversal.lost_kg
            lost[reversal.batch_id] += reversal.lost_kg
        for value in records(self.chain, "batch_reversal/"):
            totals = BatchReversals.from_json(value)
            raw = self.chain.state.get(f"batch/{totals.batch_id}")
            assert raw is not None
            batch = IssuanceBatch.from_json(decode(raw))
            assert lost[totals.batch_id] == totals.lost_kg <= batch.quantity_kg + batch.buffer_kg
            assert totals.buffer_drawn_kg <= batch.buffer_kg
            assert totals.buffer_drawn_kg + totals.uncovered_kg == totals.lost_kg
            buffer = current[totals.batch_id][batch.quantity_kg :]
            drawn = buffer[: totals.buffer_drawn_kg]
            assert all(kg[:2] == (None, "cancelled") for kg in drawn), totals.batch_id
            assert all(kg[1] == "buffer" for kg in buffer[totals.buffer_drawn_kg :])
        assert dict(lost) == self.ref.batch_lost

    def check_claim_decisions(self) -> None:
        """A claim's status only moves along filed -> accepted | rejected, accepted -> paid
        (or stays; one block may hold both moves of a claim), equals the reference's and what
        its decision record says; accepted fen never exceed the claimed, paid never the
        accepted; each policy's totals, derived from the records, equal the reference's
        running sums of its claims (ADR 0035)."""
        pairs: list[tuple[InsuranceClaim, InsuranceClaimDecision | None]] = []
        for value in records(self.chain, "insurance_claim/"):
            claim = InsuranceClaim.from_json(value)
            raw = self.chain.state.get(insurance_claim_decision_key(claim.claim_id))
            decision = None if raw is None else InsuranceClaimDecision.from_json(decode(raw))
            before = self.claim_statuses.get(claim.claim_id, "filed")
            assert claim.status == before or (before, claim.status) in CLAIM_PATHS, claim
            assert claim.status == status_after(decision) == self.ref.claim_status[claim.claim_id]
            if decision is not None:
                assert decision.decided_fen <= claim.claimed_fen, decision
                assert (decision.paid_fen or 0) <= decision.decided_fen, decision
            self.claim_statuses[claim.claim_id] = claim.status
            pairs.append((claim, decision))
        assert set(self.claim_statuses) == set(self.ref.claim_status)
        found = {}
        for policy_id, expected in self.ref.policy_totals.items():
            raw = self.chain.state.get(insurance_key(policy_id))
            assert raw is not None, policy_id
            insured = InsurancePolicy.from_json(decode(raw)).body.sum_insured_fen
            totals = policy_claim_totals(policy_id, insured, pairs)
            over = expected["claimed_fen"] - expected["rejected_fen"] > insured
            assert totals == PolicyClaimTotals(
                policy_id=policy_id, sum_insured_fen=insured, over_claimed=over, **expected
            ), policy_id
            found[policy_id] = totals.claims
        assert sum(found.values()) == len(pairs)

    def check_nonces(self) -> None:
        for key, nonce in self.ref.nonces.items():
            assert committed_nonce(self.chain.state, key) == nonce
        assert len(records(self.chain, "nonce/")) == len(self.ref.nonces)


def test_contracts_machine() -> None:
    COUNTS.clear()
    run_state_machine_as_test(ContractsMachine, settings=MACHINE_SETTINGS)
    total = sum(COUNTS.values())
    accepted = sum(n for (_, ok), n in COUNTS.items() if ok)
    print(f"\ncontracts machine: {total} txs, {accepted} accepted")
    for tx_type in sorted(t.value for t in TxType):
        ok, rejected = COUNTS[(tx_type, True)], COUNTS[(tx_type, False)]
        print(f"  {tx_type:26} accepted {ok:5}  rejected {rejected:5}")
    assert total >= 1_000
    assert 2 * accepted >= total
    assert all(COUNTS[(t.value, True)] > 0 for t in TxType)


# Found by CI (stop 41): unfreeze 3 kg of batch-3, transfer 2 of them to acct-11, freeze
# them there, all in one block. The kg are frozen before and after, at another holder; the
# invariant had refused that, the contracts and the reference agree it is allowed.
FROZEN_KG_MOVED_IN_ONE_BLOCK = (
    [(0, 1), (0, 1), (0, 1), (2_147_483_635, 4)]
    + [(0, 1)] * 11
    + [(13320, 1), (0, 1), (0, 1), (4, 1), (4_294_967_295, 4)]
)


def test_frozen_kg_may_change_holder_through_an_unfreeze_in_their_block() -> None:
    machine = ContractsMachine()
    machine.state_matches_reference()
    applied: list[list[str]] = []
    apply = machine.chain.apply

    def recording(txs: Any) -> Any:
        results = apply(txs)
        applied.append([f"{tx.tx.type}:{r.reason}" for tx, r in zip(txs, results, strict=True)])
        return results

    machine.chain.apply = recording  # type: ignore[method-assign]
    for seed, size in FROZEN_KG_MOVED_IN_ONE_BLOCK:
        machine.block(seed=seed, size=size)
        machine.state_matches_reference()
    # The case is still drafted (a change to the generators would show here, not pass
    # silently): the last block unfreezes, transfers and freezes again.
    assert applied[-1][0] == "credits.unfreeze:None"
    assert applied[-1][-1] == "credits.freeze:None"
