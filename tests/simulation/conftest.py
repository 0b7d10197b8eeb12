"""Prints the simulation fault counts at the end of the run (Acceptance of issue 4)."""

import pytest

from tests.simulation.report import REPORT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT.seeds == 0:
        return
    terminalreporter.section("consensus simulation")
    for line in REPORT.lines():
        terminalreporter.write_line(line)
