"""`lantan net status` and `net up`'s readiness polls: one SSL context, not one a request, and
the nodes asked side by side.

httpx.get makes a client, and so an SSL context (~35 ms of CPU), per call, even for an
http:// URL; wait_ready polled two URLs per node every 0.2 s that way while the nodes it
waited for were starting on the same cores.
"""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.net_state import NodeState
from node.net_views import net_status
from tests.kit.tls_contexts import count_tls_contexts
from tests.unit.node.status_server import STATUS, status_answer, status_server, write_node

NODES = ("a", "b", "c")


@pytest.fixture
def port() -> Iterator[int]:
    with status_server() as port:
        yield port


def test_net_status_of_three_nodes_builds_one_ssl_context(
    tmp_path: Path, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in NODES:
        write_node(tmp_path, name, port)
    made = count_tls_contexts(monkeypatch)
    views = net_status(tmp_path)
    assert [(v.name, v.height, v.ready) for v in views] == [(n, 3, True) for n in NODES]
    assert len(made) == 1, f"{len(made)} SSL contexts for 6 requests"


def test_net_status_asks_the_nodes_side_by_side(tmp_path: Path) -> None:
    """Each stand-in answers /v1/status only once all three have been asked: asked one after
    another, the first would wait out its status timeout and read `not answering`."""
    all_asked = threading.Barrier(len(NODES), timeout=10)

    def answer(path: str) -> tuple[int, dict[str, Any]]:
        if path == "/v1/status":
            all_asked.wait()
        return status_answer(path)

    try:
        with status_server(answer) as port:
            for name in NODES:
                write_node(tmp_path, name, port)
            views = net_status(tmp_path)
    finally:
        all_asked.abort()
    assert [(v.name, v.state, v.height) for v in views] == [
        (n, NodeState.RUNNING, STATUS["height"]) for n in NODES
    ]
