"""--genesis: one reading and one error for every command that takes it (client/genesis_file.py).

A file that is missing, malformed or not a genesis is a usage error (exit 2) naming the
option, found while the arguments are parsed: before any keystore is opened or node asked
(the node URL below is a closed port, and the keystore does not exist).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from client.cli.main import main
from client.errors import UsageError
from client.genesis_file import read_genesis_file
from tests.unit.client.conftest import Network
from tests.unit.client.fake_node import FakeNode, serve_answers

NO_NODE = "http://127.0.0.1:1"


def commands(tmp: Path) -> dict[str, list[str]]:
    """Each command with --genesis, by the name its errors begin with; --genesis comes last."""
    out = str(tmp / "out.json")
    return {
        "tx insurance.attest": ["tx", "insurance.attest", "--key", str(tmp / "no-key")],
        "tx build": ["tx", "build", "insurance.attest", "--out", out],
        "verify receipt": ["verify", "receipt", str(tmp / "r.json")],
        "verify tx": ["verify", "tx", "ab" * 8, "--node", NO_NODE],
        "receipt get": ["receipt", "get", "ab" * 8, "--node", NO_NODE, "--out", out],
        "receipt case": ["receipt", "case", "a-case", "--node", NO_NODE, "--out", out],
        "receipt pdf": ["receipt", "pdf", str(tmp / "r.json"), "--out", str(tmp / "r.pdf")],
        "auction verify": ["auction", "verify", "a-lot", "--node", NO_NODE],
        "audit": ["audit", "--nodes", NO_NODE],
        "query status": ["query", "status", "--node", NO_NODE],
        "witness": [
            "witness",
            "--key",
            str(tmp / "no-key"),
            "--state",
            str(tmp / "state"),
            "--once",
        ],
    }


BAD_FILES = {
    "missing": (None, "cannot read: No such file or directory"),
    "malformed JSON": (b"not json", "not a genesis file: malformed JSON"),
    "another document": (b'{"a": 1}', "not a genesis file: genesis: missing field"),
}


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
@pytest.mark.parametrize("command", sorted(commands(Path("T"))))
def test_a_bad_genesis_file_is_the_same_usage_error_everywhere(
    command: str, bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, reason = BAD_FILES[bad]
    genesis = tmp_path / "genesis.json"
    if content is not None:
        genesis.write_bytes(content)
    with pytest.raises(SystemExit) as exited:
        main([*commands(tmp_path)[command], "--genesis", str(genesis)])
    assert exited.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"lantan {command}: error: argument --genesis: {genesis}: {reason}")
    assert not (tmp_path / "out.json").exists()


def test_a_valid_genesis_file_is_read_once_with_what_it_defines(network: Network) -> None:
    read = read_genesis_file(network.genesis_path)
    assert read.raw == network.genesis_path.read_bytes()
    assert read.chain_id == network.genesis.chain_id
    assert read.document == network.genesis.document


def test_a_genesis_of_an_unsupported_protocol_version_is_not_a_genesis_file(
    network: Network, tmp_path: Path
) -> None:
    text = network.genesis_path.read_text()
    assert '"protocol_version":1' in text.replace(" ", "")
    other = tmp_path / "genesis.json"
    other.write_text(text.replace('"protocol_version": 1', '"protocol_version": 99'))
    with pytest.raises(UsageError, match="not a genesis file: protocol_version 99"):
        read_genesis_file(other)


def test_a_genesis_whose_parts_contradict_each_other_is_not_a_genesis_file(
    network: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An account whose custodian is no trading centre: the genesis-state rules refuse it,
    # and `--genesis` answered with a traceback through argparse (the JS auditor's pass).
    document: Any = network.genesis.document.to_json()
    document["accounts"][0]["custodian"] = "no-such-institution"
    other = tmp_path / "genesis.json"
    other.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main([*commands(tmp_path)["verify receipt"], "--genesis", str(other)])
    assert exited.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"lantan verify receipt: error: argument --genesis: {other}: "), error
    assert "not a genesis file: account " in error and "custodian" in error, error


@pytest.mark.parametrize("command", ["verify tx", "receipt get", "receipt case", "auction verify"])
def test_a_node_of_another_chain_is_named_before_anything_is_looked_up(
    command: str,
    network: Network,
    node_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An auditor pointed at another network's node was told `no committed tx id starts with
    ...` or `no record 'case/...'`, as if the retirement did not exist; the node's chain is
    now compared with the genesis file's first, as `lantan audit` does."""
    other = tmp_path / "other-genesis.json"
    document = network.genesis.document.to_json()
    document["genesis_time_ms"] = network.genesis.document.genesis_time_ms + 1
    other.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    other_chain = read_genesis_file(other).chain_id.hex()
    args = [arg.replace(NO_NODE, node_url) for arg in commands(tmp_path)[command]]
    assert main([*args, "--genesis", str(other)]) == 1
    error = " ".join(capsys.readouterr().err.split())
    served = network.genesis.chain_id.hex()[:16]
    assert f"{node_url} serves chain {served}, but {other} is chain {other_chain[:16]}" in error
    assert "wrong genesis file, or another network's node" in error
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("command", ["receipt get", "receipt case"])
def test_a_node_of_another_chain_among_several_is_passed_over(
    command: str, fake: FakeNode, node_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With $LANTAN_NODES naming another network's node first, `lantan receipt get` stopped
    at it ("serves chain ...") and never asked the right node after it (stop 49)."""
    status = {"chain_id": "ab" * 32, "node": "elsewhere"}
    with serve_answers(lambda *_: (200, "application/json", json.dumps(status).encode())) as other:
        args = [arg.replace(NO_NODE, f"{other},{node_url}") for arg in commands(tmp_path)[command]]
        genesis = tmp_path / "genesis.json"
        genesis.write_bytes(fake.genesis.document.canonical_bytes())
        assert main([*args, "--genesis", str(genesis)]) == 1
    error = capsys.readouterr().err
    assert "serves chain" not in error, error
    asked = [path for _, path in fake.requests if not path.startswith("/v1/status")]
    assert asked, "the node of the genesis's chain was asked after the other one"
