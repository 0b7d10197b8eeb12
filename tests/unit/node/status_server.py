"""A stand-in node for the `lantan net` tests: answers every GET with JSON, by default one
/v1/status body (a test may answer by path: `answer`)."""

import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from node.config import CONFIG_FILE, NodeConfig, render_config
from node.net_processes import PID_FILE

STATUS = {"chain_id": "ab" * 32, "height": 3, "head_hash": "cd" * 32, "state_root": "ef" * 32}

Answer = Callable[[str], tuple[int, dict[str, Any]]]
"""answer(path) -> (HTTP status, JSON body); called on the server's request threads."""


def status_answer(_path: str) -> tuple[int, dict[str, Any]]:
    return 200, STATUS


@contextmanager
def status_server(answer: Answer = status_answer) -> Iterator[int]:
    """Serve on 127.0.0.1; yields the port, shuts down after."""

    class _Node(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answer(self.path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def write_node(directory: Path, name: str, port: int) -> None:
    """A node folder whose node.toml points at port, with a live pid (ours): "running"."""
    node_dir = directory / name
    node_dir.mkdir()
    config = NodeConfig(name=name, node_dir=node_dir, genesis=Path("../genesis.json"), port=port)
    (node_dir / CONFIG_FILE).write_text(render_config(config))
    (node_dir / PID_FILE).write_text(f"{os.getpid()}\n")
