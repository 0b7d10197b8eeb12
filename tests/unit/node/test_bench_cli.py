"""`lantan bench` arguments: counts refused at parsing (exit 2), a help without doubled or
empty defaults, and a port in use that names --base-port."""

import socket
from pathlib import Path

import pytest

from client.cli import main as cli
from node.bench import BenchResult, print_result
from node.net import BASE_PORT

BUSY_PORT = 7620  # the range this repository's tests may use (7601-7699)


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as exited:  # argparse's own refusal
        code = exited.code if isinstance(exited.code, int) else 2
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--txs", "0"], "argument --txs: expected a whole number >= 1, not '0'"),
        (["--txs", "-5", "--singles", "2"], "argument --txs: expected a whole number >= 1"),
        (["--txs", "many"], "argument --txs: expected a whole number >= 1, not 'many'"),
        (["--singles", "-1"], "argument --singles: expected a whole number >= 0, not '-1'"),
    ],
)
def test_counts_that_cannot_measure_are_usage_errors(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # --txs 0 --singles 0 ended in `no median for empty data`; --txs -5 printed a negative
    # tx/s and exit 0.
    code, error = run_main(capsys, "bench", *arguments, "--base-port", str(BUSY_PORT))
    assert code == 2
    assert f"lantan bench: error: {message}" in error


def test_help_shows_each_default_once_and_only_the_informative_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["bench", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: a temp dir, removed afterwards)" in text
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "(default: 3000)" in text and "(default: 60)" in text
    assert f"(default: 7301; not net up's {BASE_PORT}" in text


def test_net_up_help_has_no_empty_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["net", "up", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for empty in ("(default: None)", "(default: False)", "(default: [])"):
        assert empty not in text
    assert f"(default: {BASE_PORT})" in text


def test_a_port_in_use_names_base_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past any TIME_WAIT
        busy.bind(("127.0.0.1", BUSY_PORT))
        busy.listen()
        code, error = run_main(
            capsys, "bench", "--base-port", str(BUSY_PORT), "--dir", str(tmp_path / "net")
        )
    assert code == 1
    assert f"port {BUSY_PORT} (for " in error
    assert "already in use" in error and "choose another --base-port" in error


def test_no_latency_samples_is_said_not_divided(capsys: pytest.CaptureFixture[str]) -> None:
    result = BenchResult(
        txs=10,
        batch_committed_tx_per_s=100.0,
        batch_seconds=0.1,
        single_latency_ms_p50=None,
        single_latency_ms_p99=None,
        single_samples=0,
        ed25519_verify_per_s=24000.0,
        cores=2,
        validators=3,
        load_average_1m=0.1,
    )
    data = result.to_json()
    assert data["single_latency_ms_p50"] is None and data["single_latency_ms_p99"] is None
    print_result(result, as_json=False)
    assert "single tx, light load: not measured (--singles 0)" in capsys.readouterr().out
