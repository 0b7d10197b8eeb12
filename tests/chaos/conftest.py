"""Fixtures of the chaos tier: one namespace fabric per session, always removed.

Without root (or without `ip netns`) every chaos test is skipped with the reason. Each
scenario's figures go to the JSON file named by LANTAN_CHAOS_REPORT (scripts/chaos sets
it), which docs/RELIABILITY.md quotes. A failing test's report shows each node's height,
round and step and an excerpt of every log of its networks (tests/integration/failure_logs.py),
and names the directory the whole logs were copied to.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos.harness import ChaosRun, chaos_run
from tests.chaos.namespaces import skip_reason
from tests.chaos.scenarios import Record
from tests.integration import failure_logs

REPORT_ENV = "LANTAN_CHAOS_REPORT"


@pytest.fixture(scope="session")
def chaos() -> Iterator[ChaosRun]:
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    with chaos_run() as run:
        yield run


@pytest.fixture(scope="session")
def records() -> Iterator[list[Record]]:
    collected: list[Record] = []
    yield collected
    target = os.environ.get(REPORT_ENV)
    if target:
        Path(target).write_text(json.dumps([r.to_json() for r in collected], indent=2) + "\n")


pytest_runtest_makereport = failure_logs.pytest_runtest_makereport
"""On a failure, the node states and logs of the test's networks go into the report."""
