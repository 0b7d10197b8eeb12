"""A stand-in node for the `lantan net` tests: answers every GET with one /v1/status body."""

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STATUS = {"chain_id": "ab" * 32, "height": 3, "head_hash": "cd" * 32, "state_root": "ef" * 32}


class _Node(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(STATUS).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def status_server() -> Iterator[int]:
    """Serve on 127.0.0.1; yields the port, shuts down after."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
