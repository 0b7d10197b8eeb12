"""The guard every `lantan` command runs in (genesis/commands.py): one line on stderr and
an exit code, 128 + the signal's number when a signal ended the command."""

import argparse
import os
import signal

import pytest

from genesis.commands import TerminatedError, guarded, terminate_as_interrupt


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
