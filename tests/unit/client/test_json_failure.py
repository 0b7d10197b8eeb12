"""`--json` failures: the reason as one JSON document on stdout as well as the line on stderr
(client/cli/json_failure.py), through the real `lantan` executable."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

LANTAN = str(Path(sys.executable).parent / "lantan")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LANTAN, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def closed_url() -> str:
    """A loopback URL where nothing listens (a port bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_refused_read_prints_its_reason_as_json(closed_url: str) -> None:
    completed = run("query", "status", "--node", closed_url, "--json")
    assert completed.returncode == 1
    document = json.loads(completed.stdout)
    assert document["exit_code"] == 1
    assert closed_url in document["error"] and "cannot reach" in document["error"]
    # The human line stays on stderr, with the same reason.
    assert f"lantan query status: error: {document['error']}" in completed.stderr


def test_a_usage_error_prints_argparses_reason_as_json() -> None:
    completed = run("verify", "receipt", "receipt.json", "--json")
    assert completed.returncode == 2
    document = json.loads(completed.stdout)
    assert document == {"error": "the following arguments are required: --genesis", "exit_code": 2}
    assert "usage:" in completed.stderr


def test_without_json_stdout_stays_empty(closed_url: str) -> None:
    completed = run("query", "status", "--node", closed_url)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "cannot reach" in completed.stderr


def test_a_success_prints_only_its_own_document(tmp_path: Path) -> None:
    key = tmp_path / "k"
    made = run("keys", "new", "--name", "k1", "--out", str(key), "--dev-plaintext", "--json")
    assert made.returncode == 0, made.stderr
    document = json.loads(made.stdout)
    assert "error" not in document and document["name"] == "k1"
    # The same command again refuses to overwrite: now a failure document.
    again = run("keys", "new", "--name", "k1", "--out", str(key), "--dev-plaintext", "--json")
    assert again.returncode != 0
    assert json.loads(again.stdout)["exit_code"] == again.returncode
