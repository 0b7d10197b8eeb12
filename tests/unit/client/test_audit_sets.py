"""The chain checker across validator-set changes: replay or served preimages follow them,
and the new quorum counts from the height it takes effect."""

import pytest

from client.audit.chain_audit import ChainAudit
from client.audit.findings import FindingCode
from genesis.example.chain_forge import ChainForge
from protocol.encoding import JsonObject
from protocol.validators import ValidatorSet
from tests.unit.client.audit_chains import NODES, codes, run, serve, serve_chain


@pytest.fixture(scope="module")
def set_change() -> tuple[ChainForge, ValidatorSet]:
    """A chain whose block 2 raises the quorum from 2 to 3 (effective at height 3)."""
    forge = ChainForge()
    forge.grow(1)
    current = forge.genesis.document.validators
    stricter = ValidatorSet(validators=current.validators, quorum=3)
    body: JsonObject = {"validator_set": stricter.to_json(), "evidence_hashes": []}
    update = forge.tx("validators.update", "xiangshan-county", body, ["ningbo-ptc"])
    forge.append(forge.build([update]))
    assert forge.head.next_validators_hash == stricter.hash() != forge.head.validators_hash
    forge.grow(2, txs_per_block=1)
    return forge, stricter


def test_a_set_change_is_followed_by_replay_or_by_served_preimages(
    set_change: tuple[ChainForge, ValidatorSet],
) -> None:
    forge, stricter = set_change
    assert run(forge, serve_chain(forge, NODES), replay=True).report().findings == ()
    audit = ChainAudit(forge.genesis, replay=False, known_sets=[stricter])
    for served in serve_chain(forge, NODES):
        audit.add_height(served)
    assert audit.report().findings == () and audit.validators_at(3).quorum == 3


def test_a_set_change_without_its_preimage_halts_the_audit(
    set_change: tuple[ChainForge, ValidatorSet],
) -> None:
    forge, _ = set_change
    audit = ChainAudit(forge.genesis, replay=False)
    for served in serve_chain(forge, NODES)[:2]:
        audit.add_height(served)
    assert codes(audit) == {(FindingCode.VALIDATOR_SET_UNKNOWN, 2)}
    assert audit.halted is not None


def test_after_a_set_change_the_new_quorum_counts(
    set_change: tuple[ChainForge, ValidatorSet],
) -> None:
    forge, _ = set_change
    per_height = serve_chain(forge, NODES)
    third = forge.blocks[2]
    two = forge.certify(third.block, forge.validator_keys[:2])  # enough under the old q
    per_height[2][0] = serve(third, NODES[0], two)
    assert codes(run(forge, per_height, replay=True)) == {(FindingCode.CERTIFICATE_BELOW_QUORUM, 3)}
