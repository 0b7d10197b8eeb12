"""node/registry_records.py: a policy's claim totals (ADR 0035) read every claim, so they
are kept for the head height they were read at: a claims page or CSV export asks once per
row, and must not scan every claim once per row (quadratic in the claims)."""

from dataclasses import replace

from contracts.bodies_registry import InsuranceAttestBody
from contracts.insurance import InsurancePolicy
from genesis.example.xiangshan_case import XIANGSHAN_CASE_STEPS
from node.registry_records import RegistryRecords
from protocol.encoding import encode
from tests.vectors import reversal_example

POLICY_BODY = next(s.body for s in XIANGSHAN_CASE_STEPS if s.tx_type == "insurance.attest")


class Chain:
    """A state map with a head height, counting the scans of the claims."""

    def __init__(self) -> None:
        policy = InsurancePolicy(
            body=InsuranceAttestBody.from_json(dict(POLICY_BODY)), attested_by="ningbo-ptc"
        )
        self.state: dict[str, bytes] = {
            f"insurance/{policy.body.policy_id}": encode(policy.to_json())
        }
        self.height = 5
        self.claim_scans = 0

    def add_claim(self, claim_id: str, claimed_fen: int) -> None:
        claim = replace(reversal_example.example_records()[2], claim_id=claim_id)
        claim = replace(claim, claimed_fen=claimed_fen)
        self.state[f"insurance_claim/{claim_id}"] = encode(claim.to_json())

    def list_state(self, prefix: str, limit: int) -> list[tuple[str, bytes]]:
        self.claim_scans += prefix == "insurance_claim/"
        return sorted((k, v) for k, v in self.state.items() if k.startswith(prefix))[:limit]

    def records(self) -> RegistryRecords:
        return RegistryRecords(self.state, self.list_state, head=lambda: self.height)


def test_totals_are_read_once_per_head_height_and_again_when_it_moves() -> None:
    chain = Chain()
    chain.add_claim("claim-1", 6_000_000)
    chain.add_claim("claim-2", 1_000_000)
    records = chain.records()
    policy = str(POLICY_BODY["policy_id"])
    first = [records.policy_claim_totals(policy) for _ in range(3)]
    assert chain.claim_scans == 1
    assert first[0] is not None and (first[0].claims, first[0].claimed_fen) == (2, 7_000_000)
    chain.add_claim("claim-3", 2_000_000)
    chain.height = 6  # the block that filed it committed
    moved = records.policy_claim_totals(policy)
    assert chain.claim_scans == 2
    assert moved is not None and (moved.claims, moved.claimed_fen) == (3, 9_000_000)
    assert records.policy_claim_totals("no-such-policy") is None


def test_without_a_head_nothing_is_kept() -> None:
    chain = Chain()
    chain.add_claim("claim-1", 6_000_000)
    records = RegistryRecords(chain.state, chain.list_state)
    for _ in range(2):
        records.policy_claim_totals(str(POLICY_BODY["policy_id"]))
    assert chain.claim_scans == 2
