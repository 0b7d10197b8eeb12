"""Fixtures of the chaos tier: one namespace fabric per session, always removed.

Without root (or without `ip netns`) every chaos test is skipped with the reason. Each
scenario's figures go to the JSON file named by LANTAN_CHAOS_REPORT (scripts/chaos sets
it), which docs/RELIABILITY.md quotes.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos.harness import ChaosRun, chaos_run
from tests.chaos.namespaces import skip_reason
from tests.chaos.scenarios import Record

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
