"""Spinners appear for a person at a terminal, never in pipes, scripts or --json output."""

import io
import sys

import pytest

from client.cli.progress import Spinner, spinner, wanted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wanted_only_at_a_terminal_without_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert wanted()
    assert not wanted(as_json=True)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not wanted()


def test_a_disabled_spinner_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with spinner("working") as shown:  # pytest's stderr is not a terminal
        shown.step("still working")
    with Spinner("working", enabled=False) as hidden:
        hidden.step("more")
    assert capsys.readouterr() == ("", "")
