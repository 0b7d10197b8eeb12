"""What the audit says of misbehaviour: evidence the chain recorded (one offence counted
once), and the suspects of a fork signed at different rounds."""

from client.audit.chain_audit import recorded_misbehaviour
from client.audit.findings import FindingCode
from client.cli.audit_report import misbehaviour_lines
from contracts.validator_sets import next_validator_set
from genesis.example.chain_forge import ChainForge
from genesis.example.parties import party_key
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32
from protocol.votes import precommit, sign_vote
from tests.unit.client.audit_chains import NODES, only, run, serve, serve_chain


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
