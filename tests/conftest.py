"""Options shared by every test tier.

--seed N (or LANTAN_SIM_SEED=N) replays exactly one seed of every seeded simulation test;
a failing simulation prints the command that does so.
"""

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--seed",
        action="store",
        type=int,
        default=None,
        help="replay only this simulation seed (also LANTAN_SIM_SEED)",
    )


@pytest.fixture
def replay_seed(request: pytest.FixtureRequest) -> int | None:
    """The one seed to replay, or None to run every seed of the test."""
    seed = request.config.getoption("--seed")
    if seed is None and os.environ.get("LANTAN_SIM_SEED"):
        seed = int(os.environ["LANTAN_SIM_SEED"])
    return seed  # type: ignore[no-any-return]
