"""`lantan net` and `lantan bench` as an operator runs them: the real executable, real ports.

A second network on ports already in use must fail with one error naming the port and
leave nothing running or behind; the directory commands name what they could not find.
The first network runs a witness (`net up --witness`): its cosignatures reach the nodes,
and `net stop` / `net start` handle it by name. `net add-observer` adds an observer that
catches up with it, and `net status` / `net stop` handle that by name too.
"""

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from genesis.document import parse_genesis
from genesis.network import GENESIS_FILE
from node.config import CONFIG_FILE, load_config
from node.net_layout import node_names
from node.net_processes import PID_FILE, WITNESS_PID_FILE, NetError, read_pid
from node.net_views import wait_ready
from tests.integration.lantan_cli import lantan
from tests.integration.network import LocalNet, free_base_port, wait_for

pytestmark = pytest.mark.slow
WITNESS = "blue-carbon-auditor-witness"
OBSERVER = "observer-1"


@pytest.fixture(scope="module")
def first(net_directory: Path) -> Iterator[tuple[LocalNet, int]]:
    """A network started with `lantan net up` on free ports, always torn down."""
    running = LocalNet(net_directory)
    base = free_base_port(3)
    try:
        completed = lantan(
            *("net", "up", "--dir", str(net_directory), "--base-port", str(base)),
            *("--witness", WITNESS),
        )
        assert completed.returncode == 0, completed.stderr
        yield running, base
    finally:
        running.close()


def processes_under(directory: Path) -> list[str]:
    """Command lines of running processes that name directory (a node of that network)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(directory) in text:
            found.append(text)
    return found


def _lantan_bench_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("lantan-bench-*")}


def test_second_net_up_on_ports_in_use_fails_naming_the_port(
    first: tuple[LocalNet, int], tmp_path: Path
) -> None:
    running, base = first
    second = tmp_path / "second"
    completed = lantan("net", "up", "--dir", str(second), "--base-port", str(base))
    assert completed.returncode != 0
    assert f"port {base}" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert "ready" not in completed.stdout
    assert not second.exists(), "nothing of the second network may be left behind"
    assert processes_under(second) == []
    # The first network is untouched: every node still runs.
    assert all(read_pid(running.directory / name) for name in node_names(running.directory))


def test_second_net_up_on_a_partly_taken_range_fails_before_starting(
    first: tuple[LocalNet, int], tmp_path: Path
) -> None:
    _, base = first
    second = tmp_path / "second"
    completed = lantan("net", "up", "--dir", str(second), "--base-port", str(base - 2))
    assert completed.returncode != 0
    assert f"port {base}" in completed.stderr
    assert not second.exists()


def test_net_up_on_a_running_network_says_so(first: tuple[LocalNet, int]) -> None:
    running, _ = first
    completed = lantan("net", "up", "--dir", str(running.directory))
    assert completed.returncode == 1
    assert "already running" in completed.stderr


def test_bench_on_ports_in_use_is_one_error_and_leaves_no_temp_dir(
    first: tuple[LocalNet, int],
) -> None:
    _, base = first
    before = _lantan_bench_dirs()
    completed = lantan("bench", "--txs", "10", "--singles", "1", "--base-port", str(base))
    assert completed.returncode == 1
    assert f"port {base}" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert _lantan_bench_dirs() <= before


def test_net_stop_of_an_unknown_node_lists_the_nodes(first: tuple[LocalNet, int]) -> None:
    running, _ = first
    completed = lantan("net", "stop", "nosuch", "--dir", str(running.directory))
    assert completed.returncode == 1
    for name in node_names(running.directory):
        assert name in completed.stderr


@pytest.mark.parametrize("action", ["status", "down"])
def test_net_commands_on_a_missing_directory_fail(action: str, tmp_path: Path) -> None:
    completed = lantan("net", action, "--dir", str(tmp_path / "nonexistent"))
    assert completed.returncode == 1
    assert "does not exist" in completed.stderr


def test_net_up_help_describes_every_option() -> None:
    completed = lantan("net", "up", "--help")
    assert completed.returncode == 0
    assert "(default: 7101)" in completed.stdout
    assert "(default: 3)" in completed.stdout


def test_a_node_url_answering_for_another_chain_is_not_ready(
    first: tuple[LocalNet, int], tmp_path: Path
) -> None:
    """The race the port check cannot close: our process is alive, but the URL answers with
    another network's node. wait_ready must refuse, not report that network's height."""
    running, _ = first
    other = tmp_path / "other"
    document = json.loads((running.directory / GENESIS_FILE).read_text("utf-8"))
    document["genesis_time_ms"] += 1  # another chain id, same ports
    other.mkdir()
    (other / GENESIS_FILE).write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    names = node_names(running.directory)
    sleepers = []
    try:
        for name in names:
            (other / name).mkdir()
            shutil.copy(running.directory / name / CONFIG_FILE, other / name / CONFIG_FILE)
            sleeper = subprocess.Popen(["sleep", "60"])
            sleepers.append(sleeper)
            (other / name / PID_FILE).write_text(f"{sleeper.pid}\n")
        with pytest.raises(NetError, match=r"serves chain .* another network holds the port"):
            wait_ready(other, names, minimum_height=1, timeout_s=30)
    finally:
        for sleeper in sleepers:
            sleeper.kill()
            sleeper.wait()


def test_a_node_that_stops_progressing_is_named_with_what_it_waits_for(
    first: tuple[LocalNet, int],
) -> None:
    """The timeout of wait_ready (what `net start` waits with) names why: here a node that
    is ready, at its height, waited for at a height it will not reach.

    The timeout counts from the last rise of the node's height, and this network makes a
    block about every second: a timeout of 1 s could wait for minutes before two polls
    0.2 s apart first saw no new block; at 0.05 s it ends at the first such pair."""
    running, _ = first
    name = node_names(running.directory)[0]
    with pytest.raises(NetError) as raised:
        wait_ready(running.directory, [name], minimum_height=10**9, timeout_s=0.05)
    assert re.fullmatch(
        rf"node {name} not ready after 0s without progress: "
        r"at height \d+, waiting for 1000000000",
        str(raised.value),
    ), raised.value


def test_net_up_runs_the_witness_it_names(first: tuple[LocalNet, int]) -> None:
    running, _ = first
    directory = running.directory
    policy = parse_genesis((directory / GENESIS_FILE).read_bytes()).witnesses
    assert policy is not None and [w.name for w in policy.witnesses] == [WITNESS]
    status = json.loads(lantan("net", "status", "--dir", str(directory), "--json").stdout)
    assert [w["name"] for w in status["witnesses"] if w["pid"]] == [WITNESS]

    def cosigned() -> str | None:
        note = running.get(running.validators[0], "/v1/checkpoints/latest").text
        return note if f"\u2014 {WITNESS} " in note else None

    wait_for(cosigned, 60, "the witness's cosignature on the newest checkpoint")
    stopped = lantan("net", "stop", WITNESS, "--dir", str(directory))
    assert stopped.returncode == 0, stopped.stderr
    assert read_pid(directory / WITNESS, WITNESS_PID_FILE) is None
    assert not [p for p in processes_under(directory) if " witness " in p]
    started = lantan("net", "start", WITNESS, "--dir", str(directory), "--json")
    assert started.returncode == 0, started.stderr
    assert read_pid(directory / WITNESS, WITNESS_PID_FILE) is not None


def test_net_up_names_a_witness_for_a_new_network_only(first: tuple[LocalNet, int]) -> None:
    running, _ = first
    refused = lantan("net", "up", "--dir", str(running.directory), "--witness", "court-witness")
    assert refused.returncode == 1
    assert "without witness court-witness" in refused.stderr, refused.stderr
    assert not (running.directory / "court-witness").exists()


def test_net_add_observer_catches_up_and_net_stop_stops_it(first: tuple[LocalNet, int]) -> None:
    running, _ = first
    directory = running.directory
    validator = running.validators[0]
    added = lantan("net", "add-observer", OBSERVER, "--dir", str(directory), "--json")
    assert added.returncode == 0, added.stderr
    view = json.loads(added.stdout)["nodes"][0]
    config = load_config(directory / OBSERVER)
    assert (view["name"], view["url"], view["observer"], view["ready"]) == (
        OBSERVER,
        config.url,
        True,
        True,
    )
    assert config.observer
    assert [peer.name for peer in config.peers] == running.validators
    # It follows the chain: it reaches a height the validators committed after it started,
    # with their block at that height.
    target = running.height(validator)
    wait_for(lambda: running.height(OBSERVER) >= target or None, 60, f"{OBSERVER} at {target}")
    assert running.block_hashes(OBSERVER, target, target) == running.block_hashes(
        validator, target, target
    )
    status = json.loads(lantan("net", "status", "--dir", str(directory), "--json").stdout)
    assert [n["observer"] for n in status["nodes"] if n["name"] == OBSERVER] == [True]
    taken = lantan("net", "add-observer", OBSERVER, "--dir", str(directory))
    assert taken.returncode == 1
    assert f"'{OBSERVER}' is taken" in taken.stderr and "Traceback" not in taken.stderr
    stopped = lantan("net", "stop", OBSERVER, "--dir", str(directory))
    assert stopped.returncode == 0, stopped.stderr
    assert read_pid(directory / OBSERVER) is None
    assert not [p for p in processes_under(directory) if str(directory / OBSERVER) in p]
    assert all(read_pid(directory / name) for name in running.validators)


def test_net_add_observer_to_a_stopped_network_says_so(
    first: tuple[LocalNet, int], tmp_path: Path
) -> None:
    """A network directory whose validators do not run: nothing is written or started."""
    running, _ = first
    stopped = tmp_path / "stopped"
    stopped.mkdir()
    shutil.copy(running.directory / GENESIS_FILE, stopped / GENESIS_FILE)
    for name in running.validators:
        (stopped / name).mkdir()
        shutil.copy(running.directory / name / CONFIG_FILE, stopped / name / CONFIG_FILE)
    refused = lantan("net", "add-observer", OBSERVER, "--dir", str(stopped))
    assert refused.returncode == 1
    assert "is not running (no validator is)" in refused.stderr, refused.stderr
    assert not (stopped / OBSERVER).exists()


def test_net_down_then_up_brings_back_the_observer_too(first: tuple[LocalNet, int]) -> None:
    """`net up` on a stopped network starts what `net down` stopped: validators, witness and
    the observer `net add-observer` added, which catches up again."""
    running, _ = first
    directory = running.directory
    if not (directory / OBSERVER).exists():
        added = lantan("net", "add-observer", OBSERVER, "--dir", str(directory))
        assert added.returncode == 0, added.stderr
    downed = lantan("net", "down", "--dir", str(directory))
    assert downed.returncode == 0, downed.stderr
    assert not processes_under(directory)
    upped = lantan("net", "up", "--dir", str(directory), "--json")
    assert upped.returncode == 0, upped.stderr
    views = {node["name"]: node for node in json.loads(upped.stdout)["nodes"]}
    assert views[OBSERVER]["observer"] and views[OBSERVER]["ready"], views[OBSERVER]
    assert all(views[name]["ready"] for name in running.validators)
    assert read_pid(directory / OBSERVER) is not None
    assert read_pid(directory / WITNESS, WITNESS_PID_FILE) is not None
    target = running.height(running.validators[0])
    wait_for(lambda: running.height(OBSERVER) >= target or None, 60, f"{OBSERVER} at {target}")


def test_net_start_one_validator_at_a_time_names_the_quorum(first: tuple[LocalNet, int]) -> None:
    """A network brought back one `net start` at a time: the first validator cannot be
    ready alone (a block needs 2 of 3), so `net start` returns once it answers, says which
    to start next, and exits 0, rather than failing after 90 s; the second makes a quorum
    and is waited for until ready, and the chain moves on."""
    running, _ = first
    directory = running.directory
    first_name, second_name, third_name = running.validators
    before = running.height(first_name)
    downed = lantan("net", "down", "--dir", str(directory))
    assert downed.returncode == 0, downed.stderr
    # A stop by SIGTERM is the log's last line, so an operator tells it from a crash.
    last = (directory / first_name / "node.log").read_text().strip().splitlines()[-1]
    assert re.fullmatch(rf"node {first_name} stopped at height \d+", json.loads(last)["message"])
    alone = lantan("net", "start", first_name, "--dir", str(directory), "--json")
    assert alone.returncode == 0, alone.stderr
    (view,) = json.loads(alone.stdout)["nodes"]
    assert view["name"] == first_name and view["height"] is not None and not view["ready"]
    assert (
        f"{first_name} runs but is not ready: a block needs 2 of 3 validators and 1 run "
        f"({first_name}): start 1 more of {second_name}, {third_name} with lantan net start "
        f"NAME --dir {directory}"
    ) in alone.stderr, alone.stderr
    # Stop 55: `net status` read `running` and exit 0 of such a node, and said nothing of
    # the quorum.
    status = lantan("net", "status", "--dir", str(directory))
    assert status.returncode == 3, status.stdout + status.stderr
    last = status.stdout.splitlines()[-1]
    assert last == "the chain cannot commit: 0 of 3 validators ready, quorum 2", status.stdout
    paired = lantan("net", "start", second_name, "--dir", str(directory), "--json")
    assert paired.returncode == 0, paired.stderr
    (view,) = json.loads(paired.stdout)["nodes"]
    assert view["ready"], view
    assert "not ready" not in paired.stderr, paired.stderr
    # Rounds a lock from before the restart takes to clear (docs/CONSENSUS.md, "Round
    # skipping"): 10-28 s on a quiet box.
    wait_for(lambda: running.height(first_name) > before or None, 120, "a block after restart")
    third = lantan("net", "start", third_name, "--dir", str(directory))
    assert third.returncode == 0, third.stderr
    assert "not ready" not in third.stderr, third.stderr
