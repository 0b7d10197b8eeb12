"""Which network a multi-node test runs on, for the xdist scheduler in tests/conftest.py.

Read from the test's node id and its module's source text (the scheduler runs in pytest-
xdist's controller, which never imports test modules): `SHARED_NET = "<name>"` puts a
module on that session network; `NETWORK_PER_PARAM = True` gives each value of the first
part of its test ids (n3, n4) a network of its own; any other module has one network.
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
