"""`lantan net status` and `net up`'s readiness polls build one SSL context, not one a request.

httpx.get makes a client, and so an SSL context (~35 ms of CPU), per call, even for an
http:// URL; wait_ready polled two URLs per node every 0.2 s that way while the nodes it
waited for were starting on the same cores.
"""

import os
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.config import CONFIG_FILE, NodeConfig, render_config
from node.net_processes import PID_FILE
from node.net_views import net_status
from tests.unit.node.status_server import status_server

NODES = ("a", "b", "c")


@pytest.fixture
def port() -> Iterator[int]:
    with status_server() as port:
        yield port


def test_net_status_of_three_nodes_builds_one_ssl_context(
    tmp_path: Path, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in NODES:
        node_dir = tmp_path / name
        node_dir.mkdir()
        config = NodeConfig(
            name=name, node_dir=node_dir, genesis=Path("../genesis.json"), port=port
        )
        (node_dir / CONFIG_FILE).write_text(render_config(config))
        (node_dir / PID_FILE).write_text(f"{os.getpid()}\n")  # a live pid: "running"
    made: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(create(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    views = net_status(tmp_path)
    assert [(v.name, v.height, v.ready) for v in views] == [(n, 3, True) for n in NODES]
    assert len(made) == 1, f"{len(made)} SSL contexts for 6 requests"
