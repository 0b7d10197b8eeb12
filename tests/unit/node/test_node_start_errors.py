"""`lantan node start` refuses what it cannot run with in one line and exit 1, before the
store opens or the server starts: no traceback, and never a node that says it serves a
port it does not (issue: a new user's session, stop 40)."""

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.cli.main import main
from genesis.layout import SIGNER_STATE_FILE
from node.assembly import build_node
from node.config import CONFIG_FILE, ConfigError, PeerConfig, load_config
from node.net import net_create, start_process
from node.net_layout import validator_names
from node.net_processes import LOG_FILE, NetError
from node.net_views import wait_answering
from node.storage import LevelDbStore
from tests.integration.network import free_base_port, reap


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("start-errors") / "net"
    net_create(directory, validators=3, base_port=23_300)
    return directory


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    """The working directory is not the node's: relative paths must not depend on it."""
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def node_start(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(["node", "start", *argv])
    except SystemExit as exited:  # argparse's own refusal
        code = exited.code if isinstance(exited.code, int) else 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


def first_node(network: Path) -> Path:
    return network / validator_names(network)[0]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("port = 70000", "port must be 1..65535, not 70000"),
        ("port = 0", "port must be 1..65535, not 0"),
        ("heartbeat_interval_ms = -5", "heartbeat_interval_ms must be at least 1, not -5"),
        ("propose_timeout_ms = 0", "propose_timeout_ms must be at least 1, not 0"),
        ("connections_max = 0", "connections_max must be at least 1, not 0"),
    ],
)
def test_numbers_a_node_cannot_run_with_are_refused(
    tmp_path: Path, setting: str, message: str
) -> None:
    (tmp_path / CONFIG_FILE).write_text(setting + "\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path, env={})
    assert message in str(raised.value)


def test_a_port_from_the_environment_is_checked_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^LANTAN_PORT: port must be 1\.\.65535, not -1$"):
        load_config(tmp_path, env={"LANTAN_PORT": "-1"})


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (("--port", "99999"), "argument --port: expected a whole number 1..65535, not '99999'"),
        (
            ("--heartbeat-interval-ms", "-5"),
            "argument --heartbeat-interval-ms: expected a whole number >= 1, not '-5'",
        ),
    ],
)
def test_a_number_from_a_flag_is_refused_naming_the_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: tuple[str, str], message: str
) -> None:
    """A flag's number out of range is a usage error (exit 2, CLI.md), as every command's;
    node.toml's and LANTAN_*'s are the config's (exit 1, naming where they came from)."""
    code, err = node_start(capsys, "--dir", str(tmp_path), *flag)
    assert code == 2, err
    assert err.strip().splitlines()[-1] == f"lantan node start: error: {message}", err


def test_a_flag_over_node_toml_is_named_and_node_toml_s_own_value_by_its_path(
    tmp_path: Path,
) -> None:
    (tmp_path / CONFIG_FILE).write_text("port = 7000\nconnections_max = 0\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path, env={}, overrides={"port": 70000})
    assert str(raised.value) == "--port: port must be 1..65535, not 70000"
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path, env={})
    assert (
        str(raised.value) == f"{tmp_path / CONFIG_FILE}: connections_max must be at least 1, not 0"
    )


def test_node_toml_paths_are_the_node_directory_s_whatever_the_working_directory(
    network: Path, elsewhere: Path
) -> None:
    node = build_node(load_config(first_node(network), env={}))
    try:
        assert node.runtime is not None
        assert node.ledger.height == 0
        assert node.service.status()["voting"] is True
    finally:
        node.store.close()


def test_a_missing_node_directory_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, err = node_start(capsys, "--dir", str(tmp_path / "nowhere"))
    assert code == 1 and f"no node directory {tmp_path / 'nowhere'}" in err, err


def test_the_config_file_named_is_the_one_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--config FILE` read FILE's folder's node.toml, whatever FILE was: a settings file of
    another name was ignored for the defaults (port 7101, the folder's name), and a path
    that does not exist was no error (stop 52, a new user's pass over the CLI)."""
    monkeypatch.setattr("uvicorn.run", never_serve)
    settings = tmp_path / "xiamen.toml"
    settings.write_text("port = 70000\n")
    code, err = node_start(capsys, "--config", str(settings))
    assert code == 1, err
    assert err.strip() == f"lantan node start: error: {settings}: port must be 1..65535, not 70000"
    code, err = node_start(capsys, "--config", str(tmp_path / "node.tolm"))
    assert code == 1, err
    assert err.strip() == f"lantan node start: error: no config file {tmp_path / 'node.tolm'}"


LOG_SETTINGS_REFUSED = [
    (
        'log_level = "verbose"',
        {},
        "{file}: log_level must be one of debug, info, warning, error, critical, not 'verbose'",
    ),
    (
        "",
        {"LANTAN_LOG_FORMAT": "xml"},
        "LANTAN_LOG_FORMAT: log_format must be json or text, not 'xml'",
    ),
]
"""(node.toml, environment, the refusal after `lantan node start: error: `)."""


@pytest.mark.parametrize("case", LOG_SETTINGS_REFUSED)
def test_a_log_setting_the_node_has_not_is_one_line_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: tuple[str, dict[str, str], str],
) -> None:
    """log_level = "verbose" ended in a traceback from logging, and LANTAN_LOG_FORMAT=xml
    was a node logging text (operators' findings, stop 55)."""
    setting, env, message = case
    monkeypatch.setattr("uvicorn.run", never_serve)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    (tmp_path / CONFIG_FILE).write_text(setting + "\n")
    code, err = node_start(capsys, "--dir", str(tmp_path))
    assert code == 1, err
    expected = message.format(file=tmp_path / CONFIG_FILE)
    assert err.strip() == f"lantan node start: error: {expected}", err


@pytest.mark.parametrize(
    ("peer", "message"),
    [
        ("a", "expected NAME=http://HOST:PORT"),
        ("a=127.0.0.1:7101", "expected http://HOST:PORT or https://HOST:PORT"),
        ("a=httpx://127.0.0.1:7101", "expected http://HOST:PORT or https://HOST:PORT"),
    ],
)
def test_a_peer_flag_is_held_to_node_toml_s_rule_for_a_peer_url(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    peer: str,
    message: str,
) -> None:
    monkeypatch.setattr("uvicorn.run", never_serve)
    code, err = node_start(capsys, "--dir", str(tmp_path), "--peer", peer)
    assert code == 1, err
    assert err.strip() == f"lantan node start: error: --peer {peer!r}: {message}", err


def test_a_genesis_file_that_is_not_json_is_one_line(
    capsys: pytest.CaptureFixture[str], network: Path, elsewhere: Path
) -> None:
    (elsewhere / "bad.json").write_text("not json")
    code, err = node_start(capsys, "--dir", str(first_node(network)), "--genesis", "bad.json")
    assert code == 1, err
    assert f"genesis file {elsewhere / 'bad.json'} is not a valid genesis document" in err, err
    assert len(err.strip().splitlines()) == 1, err


def test_another_chain_s_genesis_over_a_store_is_refused_with_what_to_do(
    capsys: pytest.CaptureFixture[str], network: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    net_create(other, validators=3, base_port=23_310)
    node_dir = first_node(network)
    build_node(load_config(node_dir, env={})).store.close()  # the store holds this chain
    code, err = node_start(capsys, "--dir", str(node_dir), "--genesis", str(other / "genesis.json"))
    assert code == 1, err
    assert "the store holds another chain's genesis header" in err, err
    assert "give this node's own genesis file, or another data directory" in err, err


def test_a_wrong_passphrase_is_one_line(
    capsys: pytest.CaptureFixture[str], network: Path, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong-passphrase"
    wrong.write_text("not the passphrase\n")
    code, err = node_start(
        capsys, "--dir", str(first_node(network)), "--passphrase-file", str(wrong)
    )
    assert code == 1, err
    assert "validator key not unlocked" in err and "wrong passphrase" in err, err


def test_a_port_in_use_is_refused_before_the_node_says_it_serves(
    capsys: pytest.CaptureFixture[str], network: Path
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        code, err = node_start(capsys, "--dir", str(first_node(network)), "--port", str(port))
    assert code == 1, err
    assert f"cannot listen on 127.0.0.1:{port}" in err, err
    assert "serving at" not in err


def test_a_port_taken_is_one_json_log_line_of_the_node_process(tmp_path: Path) -> None:
    # Stop 51 (issue 20: every line a node writes is a JSON log line): `python -m node.main`,
    # the process `lantan net` starts, wrote this refusal as the plain-text line `lantan node:
    # cannot listen on ...` into node.log among the JSON ones.
    directory = tmp_path / "net"
    net_create(directory, validators=3, base_port=free_base_port(3))
    name = validator_names(directory)[0]
    port = load_config(directory / name).port
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        pid = start_process(directory, name)
        try:
            with pytest.raises(NetError) as raised:
                # It exits on its own; the bound only ends a hang (a loaded box starts slowly).
                wait_answering(directory, name, timeout_s=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # gone already, unless it hung
            reap([pid])
    lines = (directory / name / LOG_FILE).read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # each line of node.log is JSON
    assert [(entry["level"], entry["logger"]) for entry in entries] == [("error", "lantan.node")]
    refusal = f"node {name} not started: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert entries[0]["message"].startswith(refusal), entries
    # `lantan net` names the message as why the node exited, not the JSON around it.
    assert f"node {name} exited: {refusal}" in str(raised.value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("where", ["--dir", "--config"])
def test_a_store_another_node_holds_is_one_line_on_another_port(
    capsys: pytest.CaptureFixture[str], network: Path, where: str
) -> None:
    """The running node holds its own port, so a second start on another --port gets past
    the port check to the store's LOCK (it ended in a traceback)."""
    node_dir = first_node(network)
    place = node_dir if where == "--dir" else node_dir / CONFIG_FILE
    with LevelDbStore.open(node_dir / "data"):  # the running node's handle
        code, err = node_start(capsys, where, str(place), "--port", str(free_port()))
    assert code == 1, err
    assert f"the store at {node_dir / 'data'} is already open" in err, err
    assert len(err.strip().splitlines()) == 1, err


AUDITOR = "blue-carbon-auditor"
"""An institution of the test network whose key is in no validator set."""


def auditor_node(network: Path, tmp_path: Path) -> Path:
    """A node directory holding the auditor's keystore and passphrase, no node.toml."""
    node_dir = tmp_path / "nodeA"
    shutil.copytree(network / AUDITOR, node_dir)
    assert not (node_dir / CONFIG_FILE).exists()
    return node_dir


def never_serve(*args: object, **kwargs: object) -> None:
    raise AssertionError("the node was to be refused, not served")


def test_a_key_outside_the_validator_set_with_no_peers_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    network: Path,
    tmp_path: Path,
) -> None:
    """It would log that consensus starts and then wait at height 0 for ever, never saying
    that its key does not vote or that it has no one to follow."""
    monkeypatch.setattr("uvicorn.run", never_serve)
    node_dir = auditor_node(network, tmp_path)
    genesis = str(network / "genesis.json")
    code, err = node_start(
        capsys, "--dir", str(node_dir), "--port", str(free_port()), "--genesis", genesis
    )
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1, err
    assert "is not in the validator set for height 1 and no peers are configured" in err, err
    assert "--peer NAME=URL" in err and "--observer" in err, err


def test_a_key_outside_the_validator_set_with_peers_starts_and_says_it_will_not_vote(
    caplog: pytest.LogCaptureFixture, network: Path, tmp_path: Path
) -> None:
    """A validator about to join syncs from its peers until the set holds its key (ADR
    0023): it starts, and says at once that it will not vote meanwhile."""
    peer = PeerConfig(name=validator_names(network)[0], url="http://127.0.0.1:9")
    config = load_config(
        auditor_node(network, tmp_path),
        env={},
        overrides={"genesis": network / "genesis.json", "peers": (peer,)},
    )
    with caplog.at_level(logging.WARNING, logger="lantan.node"):
        node = build_node(config)
    try:
        assert node.runtime is not None
        assert node.service.status()["voting"] is False  # /v1/status says it too
    finally:
        node.store.close()
    said = [r.getMessage() for r in caplog.records if "not in the validator set" in r.message]
    assert len(said) == 1 and "will not vote or propose" in said[0], caplog.text


def test_an_observer_without_peers_starts_and_says_it_follows_no_one(
    caplog: pytest.LogCaptureFixture, network: Path, tmp_path: Path
) -> None:
    config = load_config(
        tmp_path, env={}, overrides={"genesis": network / "genesis.json", "observer": True}
    )
    with caplog.at_level(logging.WARNING, logger="lantan.node"):
        build_node(config).store.close()
    assert "no peers configured: this observer serves the chain" in caplog.text, caplog.text


def start_copy(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    network: Path,
    node_dir: Path,
) -> tuple[int, str]:
    """`lantan node start` of a copied node directory on a free port, never serving."""
    monkeypatch.setattr("uvicorn.run", never_serve)
    return node_start(
        capsys, "--dir", str(node_dir), "--port", str(free_port()),
        "--genesis", str(network / "genesis.json"),
    )  # fmt: skip


def test_a_damaged_store_is_one_line_and_left_as_it_is(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    network: Path,
    tmp_path: Path,
) -> None:
    """A data directory whose LevelDB CURRENT file was lost: LevelDB, asked to create the
    database if missing, started an empty one and deleted the old files, and the node
    synced from height 0 as if nothing had been lost."""
    node_dir = tmp_path / "node"
    shutil.copytree(first_node(network), node_dir)
    config = load_config(node_dir, env={}, overrides={"genesis": network / "genesis.json"})
    build_node(config).store.close()  # genesis committed: the store holds its files
    (node_dir / "data" / "CURRENT").unlink()
    before = sorted(path.name for path in (node_dir / "data").iterdir())
    code, err = start_copy(capsys, monkeypatch, network, node_dir)
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1, err
    assert "LevelDB's CURRENT file is missing" in err and "from a backup" in err, err
    assert sorted(path.name for path in (node_dir / "data").iterdir()) == before
    # What OPERATIONS.md "A damaged store" says: one error record of the node's log (JSON by
    # default), not a `lantan node start: error:` line nor a CRITICAL record as it said.
    entry = json.loads(err)
    assert (entry["level"], entry["logger"]) == ("error", "lantan.node"), entry
    refusal = f"node {config.name} not started: cannot open the store at {node_dir / 'data'}: "
    assert entry["message"].startswith(refusal), entry


def test_the_usage_names_each_value_as_cli_md_does(capsys: pytest.CaptureFixture[str]) -> None:
    # Help said --dir DIR, --config CONFIG, --port PORT where CLI.md says NODE_DIR, FILE, P.
    with pytest.raises(SystemExit):
        main(["node", "start", "--help"])
    usage = " ".join(capsys.readouterr().out.split("options:")[0].split())
    shown = ["(--dir NODE_DIR | --config FILE)", "[--host HOST]", "[--port P]", "[--genesis FILE]"]
    shown += ["[--passphrase-file FILE]", "[--heartbeat-interval-ms MS]"]
    for part in shown:
        assert part in usage, usage


def test_a_damaged_signer_state_is_one_line_and_no_start(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    network: Path,
    tmp_path: Path,
) -> None:
    """Stop 56's chaos pass: a truncated signer_state.json was read only when consensus
    started, in a task whose death no one logged; the node served and said ready and
    voting, and neither voted nor followed the chain."""
    node_dir = tmp_path / "node"
    shutil.copytree(first_node(network), node_dir)
    signer = node_dir / SIGNER_STATE_FILE
    signer.write_bytes(signer.read_bytes()[:20])
    code, err = start_copy(capsys, monkeypatch, network, node_dir)
    assert code == 1, err
    entry = json.loads(err)
    assert entry["level"] == "error", entry
    assert f"not started: {signer} is damaged: " in entry["message"], entry
    assert "does not start without knowing what its key last signed" in entry["message"]
