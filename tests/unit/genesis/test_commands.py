"""The guard every `lantan` command runs in (genesis/commands.py): one line on stderr and
an exit code, 128 + the signal's number when a signal ended the command; the one range rule
of every numeric option (whole_number)."""

import argparse
import os
import signal
from pathlib import Path

import pytest

from genesis.commands import (
    EXIT_USAGE,
    TCP_PORT_MAX,
    TerminatedError,
    guarded,
    port_argument,
    terminate_as_interrupt,
    whole_number,
)


def fails_with(error: BaseException) -> int:
    def handler(_args: argparse.Namespace) -> int:
        raise error

    return guarded("audit", handler, (KeyboardInterrupt,))(argparse.Namespace())


def test_ctrl_c_exits_130_and_sigterm_143_as_a_shell_reports_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The walkthrough's finding 8: Ctrl-C ended `lantan audit` with exit code 1.
    assert fails_with(KeyboardInterrupt()) == 130
    assert capsys.readouterr().err == "lantan audit: error: interrupted\n"
    assert fails_with(TerminatedError()) == 143
    assert capsys.readouterr().err == "lantan audit: error: terminated\n"


def test_sigterm_raises_within_terminate_as_interrupt_and_the_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(TerminatedError), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pause()
    assert signal.getsignal(signal.SIGTERM) is before


def test_whole_number_takes_its_range_and_refuses_the_rest_naming_the_range() -> None:
    parse = whole_number(1, 10, "why")
    assert (parse("1"), parse("10")) == (1, 10)
    for text in ("0", "11", "-5", "x", "1.5", ""):
        with pytest.raises(argparse.ArgumentTypeError) as refused:
            parse(text)
        assert str(refused.value) == f"expected a whole number 1..10, not {text!r} (why)"
    assert whole_number(0)("123456789") == 123456789
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a whole number >= 0, not"):
        whole_number(0)("-1")
    assert port_argument("65535") == TCP_PORT_MAX
    with pytest.raises(argparse.ArgumentTypeError, match=r"1\.\.65535, not '0'"):
        port_argument("0")


# Every numeric option of `lantan` with a range, each with a value outside it: CLI.md says
# a number out of its range is a usage error (exit 2). `net up --base-port -5` and
# `net add-observer --port -1` exited 1, `node start --port -1` too, `tx --nonce 2**53+1`
# ended in a traceback.
OUT_OF_RANGE = [
    (["net", "up", "--dir", "{tmp}/net", "--base-port", "-5"], "--base-port"),
    (["net", "up", "--dir", "{tmp}/net", "--base-port", "70000"], "--base-port"),
    (["net", "add-observer", "obs", "--dir", "{tmp}/net", "--port", "-1"], "--port"),
    (["bench", "--base-port", "0"], "--base-port"),
    (["node", "start", "--dir", "{tmp}", "--port", "-1"], "--port"),
    (
        ["node", "start", "--dir", "{tmp}", "--heartbeat-interval-ms", "0"],
        "--heartbeat-interval-ms",
    ),
    (["tx", "account.open", "--key", "{tmp}", "--nonce", str(2**53 + 1)], "--nonce"),
    (["tx", "account.open", "--key", "{tmp}", "--nonce", "0"], "--nonce"),
    (["tx", "account.open", "--key", "{tmp}", "--expires-in-ms", "0"], "--expires-in-ms"),
    (["tx", "account.open", "--key", "{tmp}", "--timeout-ms", "-1"], "--timeout-ms"),
    (["tx", "submit", "{tmp}/t.json", "--timeout-ms", "0"], "--timeout-ms"),
    (["query", "tx", "00000000", "--wait-ms", "30001"], "--wait-ms"),
    (["query", "blocks", "--limit", "101"], "--limit"),
    (
        ["auction", "commit", "--lot", "a", "--account", "b", "--price-fen-per-t", "-1"],
        "--price-fen-per-t",
    ),
    (["genesis", "init", "--dir", "{tmp}/g", "--time-ms", "-1"], "--time-ms"),
    (["genesis", "init", "--dir", "{tmp}/g", "--witness-quorum", "0"], "--witness-quorum"),
]


@pytest.mark.parametrize(("argv", "option"), OUT_OF_RANGE)
def test_every_number_out_of_its_range_is_a_usage_error_naming_its_option(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from client.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main([part.format(tmp=tmp_path) for part in argv])
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err.splitlines()[-1]
    assert f"error: argument {option}: expected a whole number " in err, err
    assert list(tmp_path.iterdir()) == []  # nothing made


def test_net_up_s_later_validator_past_65535_is_a_usage_error_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from client.cli.main import main

    assert main(["net", "up", "--dir", str(tmp_path / "net"), "--base-port", "65534"]) == 2
    err = capsys.readouterr().err
    assert "port 65536 (for validator 3) is not a TCP port; choose another --base-port" in err
    assert list(tmp_path.iterdir()) == []
