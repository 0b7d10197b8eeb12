"""Options shared by every test tier.

--seed N (or LANTAN_SIM_SEED=N) replays exactly one seed of every seeded simulation test;
a failing simulation prints the command that does so.

Node processes the harness starts (node.net.start_process) are forked from one warm
interpreter per test process (tests/kit/zygote.py; LANTAN_TEST_ZYGOTE=0 execs each one).
"""

import os
from typing import Any

import pytest
from hypothesis import settings

from tests.kit.network_groups import network_group, schedule_order
from tests.kit.zygote import Zygote, enabled, forking_spawn

_zygote = Zygote()

# Property tests are judged by what their examples find, not by how fast one runs: the
# default 200 ms deadline failed test_no_cosigned_message_is_tx_signing_bytes at 271 ms on a
# loaded box (stop 53), a flake that checks nothing. A test that sets its own keeps it.
settings.register_profile("lantan", deadline=None)
settings.load_profile("lantan")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--seed",
        action="store",
        type=int,
        default=None,
        help="replay only this simulation seed (also LANTAN_SIM_SEED)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if enabled():
        import node.net
        import node.net_processes

        # node.net's own name for it: start_process and start_witness call that one.
        setattr(node.net, "spawn", forking_spawn(_zygote, node.net_processes.spawn))  # noqa: B010


def pytest_unconfigure(config: pytest.Config) -> None:
    _zygote.close()


@pytest.fixture
def replay_seed(request: pytest.FixtureRequest) -> int | None:
    """The one seed to replay, or None to run every seed of the test."""
    seed = request.config.getoption("--seed")
    if seed is None and os.environ.get("LANTAN_SIM_SEED"):
        seed = int(os.environ["LANTAN_SIM_SEED"])
    return seed  # type: ignore[no-any-return]


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With `--dist loadscope` (the multi-node tiers in scripts/test), tests that share a
    network run on one worker, in file order, so the network starts once: a module's tests,
    and the modules that name one session network (SHARED_NET = "..."). A module that sets
    NETWORK_PER_PARAM = True is split by the first part of its test ids instead (the
    adversary tier: its 3- and 4-validator networks run side by side). xdist's own
    `loadgroup` would do the grouping, but it does not keep file order within a group, and
    some modules build on their earlier tests."""
    if config.getoption("dist") != "loadscope":
        return None
    # The collection already comes in the order we want (pytest_collection_modifyitems);
    # xdist's reorder would sort it by test count alone.
    config.option.loadscopereorder = False
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class NetworkScheduling(LoadScopeScheduling):  # type: ignore[misc]  # only under xdist
        def _split_scope(self, nodeid: str) -> str:
            return network_group(config.rootpath, nodeid)

    return NetworkScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Collect the network groups in the order the scheduler above should hand them out
    (tests/kit/network_groups.py schedule_order). Done in every run, not only under
    `--dist loadscope`: xdist's workers, which collect, are told `dist = "no"`, and
    every worker must collect the same order. A module's tests keep their order."""
    order = schedule_order(config.rootpath, [item.nodeid for item in items])
    position = {nodeid: index for index, nodeid in enumerate(order)}
    items.sort(key=lambda item: position[item.nodeid])
