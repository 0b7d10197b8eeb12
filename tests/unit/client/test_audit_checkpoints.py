"""The chain checker's checkpoints: nodes' notes verify, the newest is saved, and a saved one
is the reference for rollbacks, forks since the last audit and consistency proofs."""

import pytest

from client.audit.findings import FindingCode
from genesis.example.chain_forge import ChainForge
from protocol.encoding import JsonObject
from tests.unit.client.audit_chains import NODES, codes, only, run, serve, serve_chain


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
