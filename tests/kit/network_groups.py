"""Which network a multi-node test runs on, for the xdist scheduler in tests/conftest.py.

Read from the test's node id and its module's source text (the scheduler runs in pytest-
xdist's controller, which never imports test modules): `SHARED_NET = "<name>"` puts a
module on that session network; `NETWORK_PER_PARAM = True` gives each value of the first
part of its test ids (n3, n4) a network of its own; any other module has one network.
`RUN_FIRST = True` marks a module whose network runs longest (measured: the tier's tail),
so its group starts before the others instead of last; in the unit tier, where every module
is its own group, a module holding the longest tests (a test handed out last runs alone).
"""

import functools
import re
from pathlib import Path


@functools.cache
def _module_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def network_group(root: Path, nodeid: str) -> str:
    """The name of the network a test runs on, from its node id and its module's source."""
    module, _, rest = nodeid.partition("::")
    text = _module_text(root / module)
    shared = re.search(r'^SHARED_NET = "([^"]+)"$', text, re.MULTILINE)
    if shared is not None:
        return shared.group(1)
    if "[" in rest and re.search(r"^NETWORK_PER_PARAM = True$", text, re.MULTILINE):
        return f"{module}[{rest.split('[', 1)[1].split('-', 1)[0].rstrip(']')}]"
    return module


def run_first(root: Path, nodeid: str) -> bool:
    """Whether the test's module asks its group to start first (RUN_FIRST = True)."""
    text = _module_text(root / nodeid.partition("::")[0])
    return re.search(r"^RUN_FIRST = True$", text, re.MULTILINE) is not None


def schedule_order(root: Path, nodeids: list[str]) -> list[str]:
    """The tests in the order their groups should be handed to the workers: groups with a
    RUN_FIRST module first, then the others by number of tests, most first (pytest-xdist's
    own loadscope order); each group keeps its tests in file order.

    Two workers share the tier: a long group handed out last runs alone at the end while
    the other worker idles, which is where the tier's wall time went."""
    groups: dict[str, list[str]] = {}
    first: set[str] = set()
    for nodeid in nodeids:
        group = network_group(root, nodeid)
        groups.setdefault(group, []).append(nodeid)
        if run_first(root, nodeid):
            first.add(group)
    ordered = sorted(groups, key=lambda group: (group not in first, -len(groups[group])))
    return [nodeid for group in ordered for nodeid in groups[group]]
