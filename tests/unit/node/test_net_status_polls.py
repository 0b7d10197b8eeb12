"""`lantan net status` and `net up`'s readiness polls build one SSL context, not one a request.

httpx.get makes a client, and so an SSL context (~35 ms of CPU), per call, even for an
http:// URL; wait_ready polled two URLs per node every 0.2 s that way while the nodes it
waited for were starting on the same cores.
"""

import http.server
import json
import os
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.config import CONFIG_FILE, NodeConfig, render_config
from node.net import net_status
from node.net_processes import PID_FILE

NODES = ("a", "b", "c")


class _Node(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {"chain_id": "ab" * 32, "height": 3, "head_hash": "cd" * 32, "state_root": "ef" * 32}
        ).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


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
