"""Runs one node under uvicorn: the port checked free, the node assembled
(node/assembly.py), its HTTP app with the background tasks as its lifespan
(node/lifespan.py).

Startup order: open the store (refusing a second process), replay nothing (the store is
the state), sync from peers, then start consensus; shutdown reverses it. Everything
blocking happens on worker threads; the event loop serves HTTP.
"""

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Final

from fastapi import FastAPI

from node.api.app import create_app
from node.api.limits import HEADER_BYTES_MAX, HttpLimits
from node.assembly import build_node
from node.config import ConfigError, NodeConfig
from node.gc_policy import settle_after_start
from node.http_server import guarded_protocol, raise_file_limit
from node.lifespan import lifespan_of
from node.logs import configure_logging
from node.node_parts import Node, consensus_position
from node.port_probe import bind_error
from node.storage.errors import StorageError

log = logging.getLogger("lantan.node")

EXIT_NOT_STARTED: Final = 1
"""serve()'s status when the node cannot start: a port taken, a store another process holds,
a key that cannot serve (the reason is the log's last line)."""


def check_port_free(host: str, port: int) -> None:
    """ConfigError when host:port cannot be listened on (another node holds it), before
    the store opens: the server would otherwise fail after the node logged "serving",
    with uvicorn's start-up exit status 3, the status of a head that does not verify."""
    error = bind_error(host, port)
    if error is not None:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {error.strerror or error} (another node or "
            "program holds the port? set port in node.toml or --port)"
        )


def make_app(node: Node) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with lifespan_of(node):
            yield

    return create_app(
        node.service,
        node.inbox,
        node.transport,
        node.readiness,
        lifespan,
        view=node.view,
        limits=http_limits(node.config),
    )


def http_limits(config: NodeConfig) -> HttpLimits:
    return HttpLimits(
        txs_request_bytes_max=config.txs_request_bytes_max,
        json_elements_max=config.json_elements_max,
        header_timeout_s=config.header_timeout_ms / 1000,
        body_timeout_s=config.body_timeout_ms / 1000,
        connections_max=config.connections_max,
    )


def serve(config: NodeConfig) -> int:
    """Run the node until SIGINT/SIGTERM; 0 when it stopped, EXIT_NOT_STARTED when it could
    not start, said as one error line of its log in the log's format (issue 20: every line a
    node writes is a log line; a port taken was a plain-text line before the JSON ones)."""
    import uvicorn

    log_context = configure_logging(config.log_level, config.log_format)
    logging.getLogger("uvicorn").setLevel(logging.WARNING)
    limits = http_limits(config)
    try:
        raise_file_limit(limits.connections_max)
        check_port_free(config.host, config.port)
        node = build_node(config)
    except (ConfigError, StorageError, OSError) as error:
        log.error("node %s not started: %s", config.name, error)
        return EXIT_NOT_STARTED
    log_context.position = lambda: consensus_position(node)
    app = make_app(node)
    settle_after_start()
    tls: dict[str, str] = {}
    if config.tls_cert_file is not None and config.tls_key_file is not None:
        tls = {
            "ssl_certfile": str(config.resolve(config.tls_cert_file)),
            "ssl_keyfile": str(config.resolve(config.tls_key_file)),
        }
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        log_config=None,  # uvicorn's lines go through our handler and its rate limit
        access_log=False,
        timeout_graceful_shutdown=5,
        # libuv's loop, not asyncio's Python one (pyproject.toml; docs/PERFORMANCE.md).
        loop="uvloop",
        http=guarded_protocol(limits, node.service.metrics),
        # No route is a WebSocket: without this, an upgrade request logged uvicorn's advice
        # to install uvicorn[standard] (websockets) in node.log, once per request.
        ws="none",
        timeout_keep_alive=limits.keep_alive_timeout_s,
        # A backstop on tasks; connections are capped by GuardedH11Protocol, which drops
        # slow senders rather than answering 503 to everyone as this limit would.
        limit_concurrency=2 * limits.connections_max,
        backlog=limits.backlog,
        h11_max_incomplete_event_size=HEADER_BYTES_MAX,
        **tls,  # type: ignore[arg-type]
    )
    return 0
