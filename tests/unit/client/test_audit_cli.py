"""`lantan audit` end to end against stand-in nodes (tests/unit/client/chain_server.py):
what it prints and its exit code when a node, or the auditor's own state file, misbehaves."""

import json
import tracemalloc
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from client.cli import audit as audit_cli
from genesis.example.chain_forge import ChainForge
from tests.kit.lantan_cli import run_lantan
from tests.unit.client.chain_server import ChainStandIn, serve


@pytest.fixture(scope="module")
def forge() -> ChainForge:
    forge = ChainForge()
    forge.grow(4, txs_per_block=1)
    return forge


@pytest.fixture(scope="module")
def genesis_file(forge: ChainForge, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("genesis") / "genesis.json"
    path.write_bytes(forge.genesis.document.canonical_bytes())
    return path


def serving(stack: ExitStack, *nodes: ChainStandIn) -> str:
    return ",".join(stack.enter_context(serve(node)) for node in nodes)


def audit_json(*argv: str) -> tuple[int, Any]:
    done = run_lantan("audit", *argv, "--json")
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def two_nodes(forge: ChainForge) -> Iterator[str]:
    with ExitStack() as stack:
        yield serving(stack, ChainStandIn(forge, name="a"), ChainStandIn(forge, name="b"))


@pytest.mark.parametrize("edit", [{"size": 100000}, {"size": 3}, {"root": "00" * 32}])
def test_an_edited_state_file_is_one_finding_and_no_node_is_accused(
    genesis_file: Path,
    two_nodes: str,
    tmp_path: Path,
    edit: dict[str, Any],
) -> None:
    state = tmp_path / "audit.state"
    base = ["--nodes", two_nodes, "--genesis", str(genesis_file), "--state", str(state)]
    code, report = audit_json(*base)
    assert code == 0 and report["state_saved"], report["findings"]
    state.write_text(json.dumps({**json.loads(state.read_text()), **edit}))
    code, report = audit_json(*base)
    assert code == 1
    assert [(f["code"], f["nodes"]) for f in report["findings"]] == [
        ("SAVED_CHECKPOINT_INVALID", [])
    ]


def test_a_node_claiming_a_huge_height_costs_no_memory_and_gets_its_finding(
    forge: ChainForge, genesis_file: Path
) -> None:
    # Finding 3: every window up to the claimed height was built before the first fetch
    # (10**15 exhausted memory; 10**8 is ~3 million ranges, about 200 MB).
    with ExitStack() as stack:
        liar = serving(stack, ChainStandIn(forge, name="liar", claimed_height=10**8))
        nodes = serving(stack, ChainStandIn(forge)) + "," + liar
        tracemalloc.start()
        try:
            code, report = audit_json("--nodes", nodes, "--genesis", str(genesis_file))
            peak_bytes = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak_bytes < 20 * 1024 * 1024
    assert code == 1 and report["height"] == 4
    assert [(f["code"], f["height"], f["nodes"]) for f in report["findings"]] == [
        ("BLOCK_MISSING", 5, [liar])
    ]


def test_a_state_file_in_a_missing_directory_is_refused_before_the_audit(
    forge: ChainForge, genesis_file: Path, tmp_path: Path
) -> None:
    # Finding 4: the whole audit ran, then only the save error was printed.
    state = tmp_path / "missing" / "x.note"
    with ExitStack() as stack:
        node = ChainStandIn(forge)
        nodes = serving(stack, node)
        captured = run_lantan(
            "audit", "--nodes", nodes, "--genesis", genesis_file, "--state", state
        )
    assert captured.returncode == 2 and captured.stdout == "" and node.requests == 0
    assert captured.stderr == (
        f"lantan audit: error: argument --state: {state}: directory {state.parent} does not exist\n"
    )


def test_a_save_that_fails_after_the_audit_prints_the_results_first(
    forge: ChainForge,
    genesis_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full_disk(path: Path, *_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(audit_cli, "write_durably", full_disk)
    state = tmp_path / "x.note"
    with ExitStack() as stack:
        nodes = serving(stack, ChainStandIn(forge))
        captured = run_lantan(
            "audit", "--nodes", nodes, "--genesis", genesis_file, "--state", state
        )
    assert captured.returncode == 1
    assert "CLEAN: heights 1..4" in captured.stdout
    assert captured.stderr == (
        f"lantan audit: error: could not save the checkpoint: {state}: No space left on device\n"
    )


def test_a_node_that_drops_out_mid_audit_is_said_to_be_audited_only_that_far(
    forge: ChainForge, genesis_file: Path
) -> None:
    # Finding 5: the header counted it as audited to its head, and its URL was said twice.
    with ExitStack() as stack:
        steady = serving(stack, ChainStandIn(forge, name="steady"))
        dropping = serving(stack, ChainStandIn(forge, name="dropping", unreachable_from=3))
        argv = ["--nodes", f"{steady},{dropping}", "--genesis", str(genesis_file)]
        done = run_lantan("audit", *argv)
        code, text = done.returncode, done.stdout
        json_code, report = audit_json(*argv)
    assert code == json_code == 1
    assert "audited heights 1..4 on 1 of 2 node(s)" in text
    assert f"  {dropping}: audited to height 2, then unreachable\n" in text
    assert f"note: {dropping} was audited to height 2 only: re-run the audit" in text
    (finding,) = report["findings"]
    assert finding["code"] == "NODE_UNREACHABLE" and finding["height"] == 3
    assert finding["detail"].startswith("cannot reach it") and dropping not in finding["detail"]
    heights = {n["url"]: (n["height"], n["audited_to"], n["stopped_at"]) for n in report["nodes"]}
    assert heights == {steady: (4, 4, None), dropping: (4, 2, 3)}


def test_a_url_that_is_not_a_lantan_node_is_said_so_and_nothing_is_claimed(
    genesis_file: Path, forge: ChainForge
) -> None:
    # Finding 6: replay was switched on and "audited heights 1..0 ... (--replay)" printed.
    with ExitStack() as stack:
        other = serving(stack, ChainStandIn(forge, status={"ok": True, "height": 0}))
        done = run_lantan("audit", "--nodes", other, "--genesis", genesis_file)
    text = done.stdout
    assert done.returncode == 1
    assert f"ERROR NOT_A_NODE [{other}]: answers, but not as a Lantan node: its /v1/status " in text
    assert "no node could be audited; nothing was checked" in text
    assert "1..0" not in text and "replay" not in text


def test_replay_switched_on_for_want_of_validator_sets_is_not_said_to_be_asked(
    genesis_file: Path, forge: ChainForge
) -> None:
    with ExitStack() as stack:
        old = serving(stack, ChainStandIn(forge, validator_sets=False))
        done = run_lantan("audit", "--nodes", old, "--genesis", genesis_file)
    text = done.stdout
    assert done.returncode == 0
    assert "every tx re-executed (switched on to learn the validator sets)" in text
    assert "note: no node serves /v1/validator-sets (an older node, or not a Lantan node)" in text
    assert "--replay)" not in text


def test_one_node_named_three_ways_is_audited_once_and_agrees_with_no_one(
    genesis_file: Path, forge: ChainForge
) -> None:
    # Finding 7: it was counted as 2 agreeing nodes, and CLEAN said "the nodes agree".
    with ExitStack() as stack:
        url = serving(stack, ChainStandIn(forge))
        same = url.replace("127.0.0.1", "localhost")
        done = run_lantan("audit", "--nodes", f"{url},{url}/,{same}", "--genesis", genesis_file)
    text = done.stdout
    assert done.returncode == 0
    assert "note: --nodes names 3 URLs, 2 of them distinct: each audited once" in text
    assert f"note: {same} answers as node xiangshan-county, as {url} does: audited once" in text
    assert "audited heights 1..4 on 1 of 1 node(s)" in text
    assert "CLEAN: heights 1..4 on 1 node(s)" in text and "the nodes agree" not in text
    assert "(one node: no agreement between nodes to check)" in text


def forged_with_state(tmp_path: Path) -> tuple[ChainForge, Path, Path]:
    """A chain of two blocks, its genesis file, and where an audit keeps its state."""
    forge = ChainForge()
    forge.grow(2, txs_per_block=1)
    genesis = tmp_path / "genesis.json"
    genesis.write_bytes(forge.genesis.document.canonical_bytes())
    return forge, genesis, tmp_path / "audit.state"


def test_a_second_audit_says_the_chain_extends_the_saved_checkpoint(tmp_path: Path) -> None:
    # The auditor's question with --state is whether history was rewritten since the last
    # audit; the output said only where it saved the new checkpoint.
    forge, genesis, state = forged_with_state(tmp_path)
    with ExitStack() as stack:
        nodes = serving(stack, ChainStandIn(forge, name="a"), ChainStandIn(forge, name="b"))
        argv = ("--nodes", nodes, "--genesis", str(genesis), "--state", str(state))
        done = run_lantan("audit", *argv)
        assert done.returncode == 0, done
        first = done.stdout
        forge.grow(2, txs_per_block=1)
        done = run_lantan("audit", *argv)
        assert done.returncode == 0, done
        second = done.stdout
        code, report = audit_json(*argv)
    assert "note: no saved checkpoint yet: this audit starts the record the next one" in first
    assert (
        "note: the chain extends the checkpoint of size 3 saved by the last audit "
        "(consistency proofs from 2 node(s) verified)"
    ) in second
    assert code == 0 and report["extends_saved"] == {
        "size": 5,
        "proven_by": sorted(nodes.split(",")),
    }


def test_a_consistency_proof_with_a_duplicate_key_proves_nothing(tmp_path: Path) -> None:
    # Stop 56's JS auditor: a proxy put `"hashes": []` before the real member; the audit
    # read the last one, said the chain extends the saved checkpoint, and was CLEAN, where
    # a tool keeping the first member reads an empty proof.
    forge, genesis, state = forged_with_state(tmp_path)
    node = ChainStandIn(forge, name="a")
    with ExitStack() as stack:
        url = serving(stack, node)
        argv = ("--nodes", url, "--genesis", str(genesis), "--state", str(state))
        assert run_lantan("audit", *argv).returncode == 0
        forge.grow(2, txs_per_block=1)
        node.duplicate_consistency_key = True
        done = run_lantan("audit", *argv)
    assert "the chain extends the checkpoint" not in done.stdout, done
    assert "CONSISTENCY_PROOF_UNAVAILABLE" in done.stdout + done.stderr, done
    assert "duplicate key 'hashes'" in done.stdout + done.stderr, done


def test_a_failed_audit_says_the_saved_checkpoint_was_kept(
    genesis_file: Path, two_nodes: str, tmp_path: Path
) -> None:
    # An auditor whose audit failed must know which checkpoint the next audit checks
    # against: the output said nothing of the --state file (stop 48 found it, stop 49 fixed).
    state = tmp_path / "audit.state"
    base = ("--nodes", two_nodes, "--genesis", str(genesis_file), "--state", str(state))
    assert run_lantan("audit", *base).returncode == 0
    edited = json.dumps({**json.loads(state.read_text()), "root": "00" * 32})
    state.write_text(edited)
    done = run_lantan("audit", *base)
    assert done.returncode == 1
    out = done.stdout
    size = json.loads(edited)["size"]
    assert (
        f"note: {state} kept as it was (checkpoint of size {size}): this audit failed, "
        "and only a clean audit replaces it"
    ) in out
    assert state.read_text() == edited


def test_a_failed_first_audit_says_nothing_was_saved(
    forge: ChainForge, genesis_file: Path, tmp_path: Path
) -> None:
    state = tmp_path / "audit.state"
    with ExitStack() as stack:
        liar = serving(stack, ChainStandIn(forge, name="liar", claimed_height=10**8))
        nodes = serving(stack, ChainStandIn(forge)) + "," + liar
        done = run_lantan("audit", "--nodes", nodes, "--genesis", genesis_file, "--state", state)
    assert done.returncode == 1
    assert f"note: nothing saved to {state}: this audit failed" in done.stdout
    assert not state.exists()
