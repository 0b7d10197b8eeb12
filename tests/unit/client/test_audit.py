"""The auditor's chain checker on in-memory chains: an honest chain passes; a forged
certificate, header or body is named with its node and height."""

import copy
import dataclasses
from typing import Any

import pytest

from client.audit.chain_audit import ServedBlock
from client.audit.fetch import served_block
from client.audit.findings import FindingCode
from genesis.example.chain_forge import ChainForge, ForgedBlock
from genesis.example.parties import party_key
from protocol.encoding import encode
from tests.unit.client.audit_chains import NODES, codes, only, run, serve, serve_chain


@pytest.mark.parametrize("replay", [False, True])
def test_an_honest_chain_on_three_nodes_is_clean(honest: ChainForge, replay: bool) -> None:
    audit = run(honest, serve_chain(honest, NODES), replay=replay)
    report = audit.report()
    assert report.findings == ()
    assert report.clean and report.height == 5 and report.tx_count == 9
    assert report.replayed is replay


def test_an_empty_chain_is_clean() -> None:
    forge = ChainForge()
    forge.grow(3)
    assert run(forge, serve_chain(forge, NODES), replay=True).report().clean


def test_four_validators_need_three_signatures() -> None:
    forge = ChainForge(validator_count=4)
    forge.grow(2, txs_per_block=1)
    short = forge.build(signers=forge.validator_keys[:2])
    per_height = serve_chain(forge, NODES)
    full = forge.certify(short.block, forge.validator_keys[:3])
    per_height.append([serve(short, NODES[0]), *(serve(short, n, full) for n in NODES[1:])])
    audit = run(forge, per_height, replay=True)
    finding = only(audit, FindingCode.CERTIFICATE_BELOW_QUORUM)
    assert finding.height == 3 and finding.nodes == ("http://a",)
    assert "quorum is 3" in finding.detail


def fork_at_next_height(forge: ChainForge) -> tuple[list[list[ServedBlock]], ChainForge]:
    honest_next = forge.build([forge.attest("honest")])
    forged_next = forge.build(time_step_ms=7)
    per_height = serve_chain(forge, NODES)
    per_height.append(
        [serve(honest_next, NODES[0]), serve(honest_next, NODES[1]), serve(forged_next, NODES[2])]
    )
    return per_height, forge


def test_two_certified_blocks_at_one_height_are_a_fork_with_both_certificates() -> None:
    forge = ChainForge()
    forge.grow(3, txs_per_block=1)
    per_height, _ = fork_at_next_height(forge)
    audit = run(forge, per_height, replay=True)
    fork = only(audit, FindingCode.FORK)
    assert fork.height == 4 and set(fork.nodes) == set(NODES)
    assert fork.evidence is not None
    blocks = fork.evidence["blocks"]
    assert isinstance(blocks, list) and len(blocks) == 2
    assert all(isinstance(b, dict) and b["certificate"] for b in blocks)
    assert audit.diverged == {"http://c": 4}
    assert not audit.report().clean
    # Issue 21: validators whose precommits are in both certificates (same round) are named.
    signers = fork.evidence["double_signers"]
    assert isinstance(signers, list) and signers
    names = [s["name"] for s in signers if isinstance(s, dict)]
    assert all(isinstance(n, str) and n in fork.detail for n in names)
    assert "double-signed by" in fork.detail


def test_a_certificate_below_quorum_is_named_with_its_node_and_height(honest: ChainForge) -> None:
    per_height = serve_chain(honest, NODES)
    bad = honest.blocks[2]
    short = honest.certify(bad.block, [party_key("ningbo-ptc")])
    per_height[2][1] = serve(bad, NODES[1], short)
    audit = run(honest, per_height, replay=False)
    assert codes(audit) == {(FindingCode.CERTIFICATE_BELOW_QUORUM, 3)}
    assert only(audit, FindingCode.CERTIFICATE_BELOW_QUORUM).nodes == ("http://b",)
    # The node served the same block: it is still followed.
    assert audit.diverged == {}


def test_a_duplicated_signer_is_named(honest: ChainForge) -> None:
    per_height = serve_chain(honest, NODES)
    bad = honest.blocks[1]
    key = honest.validator_keys[0]
    per_height[1][2] = serve(bad, NODES[2], honest.certify(bad.block, [key, key]))
    audit = run(honest, per_height, replay=False)
    assert codes(audit) == {(FindingCode.CERTIFICATE_DUPLICATE_SIGNER, 2)}
    assert "1 distinct signers" in only(audit, FindingCode.CERTIFICATE_DUPLICATE_SIGNER).detail


@pytest.mark.parametrize(
    ("signer", "code"),
    [
        ("xiangshan-court", FindingCode.CERTIFICATE_NON_VALIDATOR),
        (None, FindingCode.CERTIFICATE_BAD_SIGNATURE),
    ],
)
def test_foreign_signers_and_bad_signatures(
    honest: ChainForge, signer: str | None, code: FindingCode
) -> None:
    per_height = serve_chain(honest, NODES)
    bad = honest.blocks[0]
    keys = honest.validator_keys
    certificate = honest.certify(bad.block, sorted(keys, key=lambda k: k.public_key))
    entries = certificate["signatures"]
    assert isinstance(entries, list) and isinstance(entries[0], dict)
    if signer is None:
        entries[0]["signature"] = "00" * 64
    else:
        foreign = honest.certify(bad.block, [party_key(signer)])["signatures"]
        assert isinstance(foreign, list)
        certificate["signatures"] = sorted([*entries[:2], foreign[0]], key=str)
    per_height[0][0] = serve(bad, NODES[0], certificate)
    audit = run(honest, per_height, replay=False)
    assert codes(audit) == {(code, 1)}


def test_a_missing_certificate_and_bad_results_are_findings(honest: ChainForge) -> None:
    per_height = serve_chain(honest, NODES)
    block = honest.blocks[3]
    served = serve(block, NODES[0])
    per_height[3][0] = ServedBlock(
        node=served.node, block=served.block, certificate=None, results=[]
    )
    audit = run(honest, per_height, replay=False)
    assert codes(audit) == {
        (FindingCode.CERTIFICATE_MISSING, 4),
        (FindingCode.RESULTS_MISMATCH, 4),
    }


def test_a_state_root_that_replay_does_not_reproduce() -> None:
    forge = ChainForge()
    forge.grow(2, txs_per_block=2)
    minted = {"account/forged": encode({"forged": True})}
    bad = forge.build([forge.attest("x")], extra_writes=minted)
    per_height = [*serve_chain(forge, NODES), [serve(bad, node) for node in NODES]]
    # Certificates and links are fine: only replay can see the altered state.
    assert run(forge, per_height, replay=False).report().clean
    audit = run(forge, per_height, replay=True)
    assert codes(audit) == {(FindingCode.REPLAY_STATE_ROOT_MISMATCH, 3)}
    assert audit.replay_stopped_at == 3


def recertified(forge: ChainForge, built: ForgedBlock, **header_changes: object) -> ForgedBlock:
    """built with header_changes in its header, certified by a quorum (two of three)."""
    header = dataclasses.replace(built.block.header, **header_changes)  # type: ignore[arg-type]
    block = dataclasses.replace(built.block, header=header)
    return dataclasses.replace(
        built, block=block, certificate=forge.certify(block, forge.validator_keys[:2])
    )


def test_a_block_with_an_altered_history_root_is_named() -> None:
    forge = ChainForge()
    forge.grow(2)
    honest_next = forge.build()
    header = honest_next.block.header
    altered = recertified(forge, honest_next, history_root=header.tx_root)
    forged = dataclasses.replace(altered, results=())
    per_height = [*serve_chain(forge, NODES), [serve(forged, node) for node in NODES]]
    assert codes(run(forge, per_height, replay=False)) == {(FindingCode.HISTORY_ROOT_MISMATCH, 3)}


def test_one_block_with_several_problems_gets_a_finding_for_each() -> None:
    # The validator refuses at the first problem; the audit must name every one.
    forge = ChainForge()
    forge.grow(2)
    honest_next = forge.build([forge.attest("x")])
    header = honest_next.block.header
    forged = recertified(
        forge,
        honest_next,
        history_root=header.tx_root,
        time_ms=forge.head.time_ms,
        state_root=header.tx_root,
    )
    per_height = [*serve_chain(forge, NODES), [serve(forged, node) for node in NODES]]
    assert codes(run(forge, per_height, replay=True)) == {
        (FindingCode.HISTORY_ROOT_MISMATCH, 3),
        (FindingCode.TIME_NOT_INCREASING, 3),
        (FindingCode.REPLAY_STATE_ROOT_MISMATCH, 3),
    }


def test_a_block_claiming_another_height_is_named_not_a_crash_of_the_replay() -> None:
    forge = ChainForge()
    forge.grow(2)
    forged = recertified(forge, forge.build(), height=7)
    per_height = [*serve_chain(forge, NODES), [serve(forged, node) for node in NODES]]
    audit = run(forge, per_height, replay=True)
    assert {(FindingCode.HEADER_FIELD_MISMATCH, 3), (FindingCode.BLOCK_NOT_EXECUTABLE, 3)} <= (
        codes(audit)
    )
    assert audit.replay_stopped_at == 3


@pytest.mark.parametrize("replay", [False, True])
@pytest.mark.parametrize("altered_first", [False, True], ids=["honest first", "altered first"])
def test_a_node_serving_an_altered_tx_under_the_same_header_is_named_alone(
    honest: ChainForge, replay: bool, altered_first: bool
) -> None:
    # Stop 56's chaos pass: a node served block 38 with a flipped byte in one tx's body
    # (same header). One candidate per header hash checked the first node's body only:
    # honest node first, CLEAN; altered node first, every finding named both nodes.
    per_height = serve_chain(honest, NODES)
    answer: Any = copy.deepcopy(honest.blocks[3].answer())
    body = answer["block"]["txs"][0]["tx"]["body"]
    name = next(key for key, value in sorted(body.items()) if isinstance(value, str))
    body[name] += "9"
    altered = served_block(NODES[1], answer)
    per_height[3][1] = altered
    if altered_first:
        per_height[3] = [altered, per_height[3][0], per_height[3][2]]
    audit = run(honest, per_height, replay=replay)
    findings = audit.report().findings
    assert findings, "the altered body is found"
    assert {f.height for f in findings} == {4}
    assert all(f.nodes == (NODES[1],) for f in findings), findings
    assert FindingCode.TX_ROOT_MISMATCH in {f.code for f in findings}
    assert FindingCode.FORK not in {f.code for f in findings}
    assert audit.report().height == 5
