"""The auditor's chain checker on in-memory chains: honest ones pass, forged ones are named."""

import copy
import dataclasses
from typing import Any

import pytest

from client.audit.chain_audit import ChainAudit, ServedBlock, recorded_misbehaviour
from client.audit.fetch import served_block
from client.audit.findings import Finding, FindingCode
from client.cli.audit_report import misbehaviour_lines
from contracts.validator_sets import next_validator_set
from genesis.example.chain_forge import ChainForge, ForgedBlock
from genesis.example.parties import party_key
from protocol.block import Block
from protocol.encoding import JsonObject, JsonValue, encode
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.signature_cache import SignatureCache
from protocol.signing import verify_signature
from protocol.validators import ValidatorSet
from protocol.votes import precommit, sign_vote

NODES = ("http://a", "http://b", "http://c")


def serve(forged: ForgedBlock, node: str, certificate: JsonObject | None = None) -> ServedBlock:
    return served_block(node, forged.answer(certificate))


def serve_chain(forge: ChainForge, nodes: tuple[str, ...]) -> list[list[ServedBlock]]:
    """Per height 1..head, what each node serves of this (honest) chain."""
    return [[serve(forged, node) for node in nodes] for forged in forge.blocks]


def run(forge: ChainForge, per_height: list[list[ServedBlock]], *, replay: bool) -> ChainAudit:
    audit = ChainAudit(forge.genesis, replay=replay)
    for served in per_height:
        following = [s for s in served if audit.follows(s.node)]
        audit.add_height(following)
    return audit


def codes(audit: ChainAudit) -> set[tuple[FindingCode, int | None]]:
    return {(f.code, f.height) for f in audit.report().findings}


def only(audit: ChainAudit, code: FindingCode) -> Finding:
    (finding,) = [f for f in audit.report().findings if f.code is code]
    return finding


@pytest.fixture(scope="module")
def honest() -> ChainForge:
    forge = ChainForge()
    forge.grow(2)
    forge.grow(3, txs_per_block=3)
    return forge


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


# --- validator-set changes ----------------------------------------------------------------


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


# --- checkpoints -------------------------------------------------------------------------


def test_node_checkpoints_verify_and_the_newest_is_saved(honest: ChainForge) -> None:
    audit = run(honest, serve_chain(honest, NODES), replay=False)
    notes: dict[str, str | None] = {
        NODES[0]: honest.checkpoint_note(),
        NODES[1]: honest.checkpoint_note(size=4, signers=2),
        NODES[2]: None,
    }
    audit.checkpoints.check_nodes(notes)
    report = audit.report()
    assert codes(audit) == {(FindingCode.CHECKPOINT_UNAVAILABLE, None)}
    assert report.clean
    assert report.new_checkpoint is not None and report.new_checkpoint.size == 6


def test_a_checkpoint_below_quorum_or_over_another_root_fails(honest: ChainForge) -> None:
    audit = run(honest, serve_chain(honest, NODES), replay=False)
    fork = ChainForge()  # the same genesis, other blocks: a fork of the honest chain
    for _ in range(5):
        fork.append(fork.build(time_step_ms=3))
    audit.checkpoints.check_nodes(
        {
            NODES[0]: honest.checkpoint_note(signers=1),
            NODES[1]: fork.checkpoint_note(),
            NODES[2]: honest.checkpoint_note(),
        }
    )
    assert codes(audit) == {
        (FindingCode.CHECKPOINT_INVALID, 5),
        (FindingCode.CHECKPOINT_ROOT_MISMATCH, 5),
    }
    mismatch = only(audit, FindingCode.CHECKPOINT_ROOT_MISMATCH)
    assert mismatch.nodes == (NODES[1],) and mismatch.evidence is not None
    assert mismatch.evidence["other_checkpoints"] == [
        {"node": NODES[2], "note": honest.checkpoint_note()}
    ]


def saved_at(forge: ChainForge, size: int) -> object:
    from client.audit.checkpoint import SavedCheckpoint

    return SavedCheckpoint(
        chain_id=forge.chain_id,
        size=size,
        root=forge.log.root(size),
        note=forge.checkpoint_note(size=size),
    )


def test_a_node_behind_the_saved_checkpoint_is_a_warning_not_a_rollback(
    honest: ChainForge,
) -> None:
    # The walkthrough's finding 1: a checkpoint saved from a faster node is no evidence that
    # a slower one ever reached it, and it serves nothing that contradicts it.
    from client.audit.checkpoint import SavedCheckpoint

    saved = saved_at(honest, 6)
    assert isinstance(saved, SavedCheckpoint)
    per_height = [
        [s for s in served if s.node != NODES[2] or index < 3]
        for index, served in enumerate(serve_chain(honest, NODES))
    ]
    audit = run(honest, per_height, replay=False)
    assert audit.checkpoints.check_saved(saved, {NODES[0]: 5, NODES[1]: 5, NODES[2]: 3}) == saved
    behind = only(audit, FindingCode.NODE_BEHIND_SAVED_CHECKPOINT)
    assert behind.height == 3 and behind.nodes == (NODES[2],)
    assert "cannot check its consistency with it yet" in behind.detail
    assert codes(audit) == {(FindingCode.NODE_BEHIND_SAVED_CHECKPOINT, 3)}
    assert audit.report().clean


def test_a_node_that_rewrote_blocks_under_the_saved_checkpoint_and_serves_less_rolled_back(
    honest: ChainForge,
) -> None:
    from client.audit.checkpoint import SavedCheckpoint

    saved = saved_at(honest, 6)
    assert isinstance(saved, SavedCheckpoint)
    rewritten = ChainForge()
    rewritten.grow(1)
    other = rewritten.build(time_step_ms=9)
    per_height = serve_chain(honest, NODES)
    per_height[1][2] = serve(other, NODES[2])
    per_height = [
        [s for s in served if s.node != NODES[2] or index < 3]
        for index, served in enumerate(per_height)
    ]
    audit = run(honest, per_height, replay=False)
    audit.checkpoints.check_saved(saved, {NODES[0]: 5, NODES[1]: 5, NODES[2]: 3})
    rollback = only(audit, FindingCode.ROLLBACK)
    assert rollback.height == 5 and rollback.nodes == (NODES[2],)
    assert "another block at height 2" in rollback.detail


@pytest.mark.parametrize(
    "edit",
    [
        {"size": 100000},  # beyond every node: was ROLLBACK at height 99999 against them
        {"size": 3},  # below the nodes: was CONSISTENCY_PROOF_INVALID against them
        {"root": "00" * 32},
        {"note": "lantan/00\n1\nAAAA\n\n— x AAAA\n"},
    ],
    ids=["size-raised", "size-lowered", "root-zeroed", "note-replaced"],
)
def test_an_edited_saved_checkpoint_is_one_finding_about_the_file_and_used_for_nothing(
    honest: ChainForge, edit: JsonObject
) -> None:
    from client.audit.checkpoint import SavedCheckpoint

    genuine = saved_at(honest, 5)
    assert isinstance(genuine, SavedCheckpoint)
    edited = SavedCheckpoint.from_json({**genuine.to_json(), **edit})
    audit = run(honest, serve_chain(honest, NODES), replay=False)
    audit.checkpoints.check_nodes(dict.fromkeys(NODES, honest.checkpoint_note()))
    assert audit.checkpoints.check_saved(edited, {NODES[0]: 5, NODES[1]: 5, NODES[2]: 1}) is None
    (finding,) = audit.report().findings
    assert finding.code is FindingCode.SAVED_CHECKPOINT_INVALID and finding.nodes == ()
    assert "the file is not used" in finding.detail


def test_a_saved_checkpoint_of_another_history_is_a_fork_since_the_last_audit() -> None:
    from client.audit.checkpoint import SavedCheckpoint

    forge = ChainForge()
    forge.grow(2)
    fork = ChainForge()
    fork.grow(1)
    fork.append(fork.build(time_step_ms=3))
    saved = saved_at(fork, 3)
    assert isinstance(saved, SavedCheckpoint)
    audit = run(forge, serve_chain(forge, NODES), replay=False)
    audit.checkpoints.check_nodes({NODES[0]: forge.checkpoint_note()})
    audit.checkpoints.check_saved(saved, dict.fromkeys(NODES, 2))
    finding = only(audit, FindingCode.SAVED_CHECKPOINT_NOT_EXTENDED)
    assert finding.height == 2 and finding.evidence is not None
    assert finding.evidence["saved_checkpoint"] == saved.note


def test_consistency_proofs_from_the_saved_checkpoint(honest: ChainForge) -> None:
    from client.audit.checkpoint import SavedCheckpoint

    saved = saved_at(honest, 3)
    assert isinstance(saved, SavedCheckpoint)
    audit = run(honest, serve_chain(honest, NODES), replay=False)
    audit.checkpoints.check_nodes(
        {NODES[0]: honest.checkpoint_note(), NODES[1]: honest.checkpoint_note()}
    )
    audit.checkpoints.check_saved(saved, dict.fromkeys(NODES, 5))
    requests = audit.checkpoints.consistency_requests(saved)
    assert requests == [(NODES[0], 3, 6), (NODES[1], 3, 6)]
    good: JsonObject = {
        "size1": 3,
        "size2": 6,
        "hashes": [h.hex() for h in honest.log.consistency_proof(3, 6)],
    }
    audit.checkpoints.check_consistency(NODES[0], saved, good)
    assert audit.report().clean
    bad: JsonObject = {**good, "hashes": ["00" * 32] * 3}
    audit.checkpoints.check_consistency(NODES[1], saved, bad)
    finding = only(audit, FindingCode.CONSISTENCY_PROOF_INVALID)
    assert finding.nodes == (NODES[1],) and finding.evidence is not None


def test_recorded_evidence_names_the_validator_and_what_it_signed(honest: ChainForge) -> None:
    # Issue 10: the audit must show what the chain recorded against a validator.
    offender = honest.validator_keys[1]
    chain_id = honest.genesis.chain_id
    votes = [
        sign_vote(precommit(chain_id, 4, 2, Hash32(bytes([fill]) * 32)), offender)
        for fill in (1, 2)
    ]
    evidence = DuplicateVoteEvidence.create(*votes)
    validators = honest.genesis.document.validators
    item = recorded_misbehaviour(7, evidence, validators)
    name = validators.by_key(offender.public_key)
    assert name is not None
    assert item.offender_name == name.name
    text = item.summary()
    assert evidence.hash().hex()[:16] in text and name.name in text
    assert "two precommits at height 4 round 2" in text
    assert item.to_json()["evidence_hash"] == evidence.hash().hex()


def test_a_fork_at_different_rounds_names_the_suspects_without_proof() -> None:
    """Issue 21: nobody signed two votes in one round, so there is no duplicate-vote
    evidence; the validator in both certificates is listed as the suspect."""
    forge = ChainForge()
    forge.grow(3, txs_per_block=1)
    honest_next = forge.build([forge.attest("honest")])
    forged_next = forge.build(time_step_ms=7)
    members = next_validator_set(forge.replay.state).validators
    by_key = sorted(members, key=lambda m: party_key(m.name).public_key)
    keys = [party_key(m.name) for m in by_key]
    ours = forge.certify(honest_next.block, keys[0:2], round_number=0)
    theirs = forge.certify(forged_next.block, keys[1:3], round_number=1)
    per_height = serve_chain(forge, NODES)
    per_height.append(
        [
            serve(honest_next, NODES[0], ours),
            serve(honest_next, NODES[1], ours),
            serve(forged_next, NODES[2], theirs),
        ]
    )
    fork = only(run(forge, per_height, replay=True), FindingCode.FORK)
    assert fork.evidence is not None
    assert fork.evidence["double_signers"] == []
    assert fork.evidence["signed_both"] == [by_key[1].name]
    assert by_key[1].name in fork.detail and "no proof" in fork.detail


def test_replay_checks_tx_signatures_through_its_own_port_and_caches_none(
    honest: ChainForge,
) -> None:
    asked: list[bytes] = []

    def replay_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
        asked.append(signature)
        return verify_signature(public_key, message, signature)

    cache = SignatureCache()
    audit = ChainAudit(honest.genesis, replay=True, signatures=cache, replay_verify=replay_verify)
    for served in serve_chain(honest, NODES[:1]):
        audit.add_height(served)
    assert audit.report().clean
    tx_signatures = [
        e.signature for b in honest.blocks for tx in b.block.txs for e in tx.signatures
    ]
    assert sorted(asked) == sorted(tx_signatures) and len(asked) == 9
    # The cache holds the certificates' signatures only: a quorum of 2 of 3 per height.
    assert len(cache) == 2 * len(honest.blocks)


def test_a_block_parsed_ahead_is_replayed_only_for_the_very_json_it_was_parsed_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[JsonValue] = []
    from_json = Block.from_json

    def parse(raw: JsonValue) -> Block:
        parsed.append(raw)
        return from_json(raw)

    ours, theirs = ChainForge(), ChainForge()
    ours.grow(2, txs_per_block=2, prefix="ours")
    theirs.grow(1, txs_per_block=2, prefix="theirs")
    served = serve_chain(ours, NODES[:1])
    audit = ChainAudit(ours.genesis, replay=True)
    monkeypatch.setattr(Block, "from_json", parse)
    # Height 1 parsed ahead from another block's JSON: ours is parsed and checked on its own.
    assert audit.parse_ahead(1, serve(theirs.blocks[0], NODES[0]).block) is not None
    audit.add_height(served[0])
    assert parsed == [theirs.blocks[0].block.to_json(), served[0][0].block]
    # Height 2 parsed ahead from the JSON served: that parse is the block checked.
    assert audit.parse_ahead(2, served[1][0].block) == ours.blocks[1].block
    audit.add_height(served[1])
    assert len(parsed) == 3
    assert audit.report().findings == ()
    assert audit.history_root(3) == ours.log.root()
    # JSON that does not parse ahead is parsed again at its turn, and found malformed.
    broken = dataclasses.replace(serve(ours.build(), NODES[0]), block={"txs": 1})
    assert audit.parse_ahead(3, broken.block) is None
    audit.add_height([broken])
    assert codes(audit) == {(FindingCode.BLOCK_MALFORMED, 3)}


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


def test_one_offence_recorded_by_several_items_is_counted_once(honest: ChainForge) -> None:
    # Stop 56's hostile validator: each honest validator that caught one equivocation
    # committed its own item (its own pair of the votes); "12 item(s) of evidence" read as
    # twelve offences where nine were.
    offender = honest.validator_keys[1]
    chain_id = honest.genesis.chain_id
    votes = [
        sign_vote(precommit(chain_id, 4, 2, Hash32(bytes([fill]) * 32)), offender)
        for fill in (1, 2, 3)
    ]
    validators = honest.genesis.document.validators
    first, second = (DuplicateVoteEvidence.create(votes[0], v) for v in votes[1:])
    other = DuplicateVoteEvidence.create(
        *(sign_vote(precommit(chain_id, 5, 0, Hash32(bytes([f]) * 32)), offender) for f in (1, 2))
    )
    items = [
        recorded_misbehaviour(h, e, validators) for h, e in ((7, first), (8, second), (9, other))
    ]
    lines = misbehaviour_lines(items)
    assert lines[0] == "recorded misbehaviour: 2 offence(s) in 3 item(s) of evidence"
    assert len(lines) == 3
    assert lines[1].endswith(f"; recorded again by evidence {second.hash().hex()[:16]} at height 8")
    assert "again" not in lines[2]
