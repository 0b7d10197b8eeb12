"""On a failure, the tails of the logs of every process a test tier started, in its report.

Networks are registered in NETS_STASH (tests/integration/network.py), other processes (the
adversary tier's Byzantine validator) in PROCESSES_STASH. Each tier's conftest binds the
one hook below: `pytest_runtest_makereport = failure_logs.pytest_runtest_makereport`.
"""

from collections.abc import Generator
from typing import Protocol

import pytest

from tests.integration.network import NETS_STASH

LOG_LINES = 25


class LoggedProcess(Protocol):
    @property
    def name(self) -> str: ...

    def log_tail(self, lines: int = LOG_LINES) -> str: ...


PROCESSES_STASH = pytest.StashKey[list[LoggedProcess]]()


def failure_sections(config: pytest.Config) -> list[tuple[str, str]]:
    """(title, log tail) for every node of every registered net and every process."""
    sections = []
    for running in config.stash.get(NETS_STASH, []):
        for name in sorted(p.parent.name for p in running.directory.glob("*/node.log")):
            sections.append((f"node log {name}", running.log_tail(name, LOG_LINES)))
    for process in config.stash.get(PROCESSES_STASH, []):
        sections.append((f"process log {process.name}", process.log_tail(LOG_LINES)))
    return sections


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        report.sections.extend(failure_sections(item.config))
    return report
