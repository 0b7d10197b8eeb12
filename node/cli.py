"""`lantan node start`: run one validator or observer in the foreground. Thin I/O shell."""

import argparse
from pathlib import Path

from genesis.commands import Subparsers, add_group, guarded, port_argument, whole_number
from node.config import ConfigError, PeerConfig, load_config, peer_config
from node.extra import require_server_extra

require_server_extra()  # these commands run the server: refuse without the node extra


def register_node(subparsers: Subparsers) -> None:
    actions = add_group(subparsers, "node", "run a validator or observer node")
    start = actions.add_parser("start", help="run the node in DIR/<name> in the foreground")
    where = start.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--dir", type=Path, metavar="NODE_DIR", help="the node's directory (holds node.toml)"
    )
    where.add_argument(
        "--config", type=Path, metavar="FILE", help="the node's node.toml (its folder is the dir)"
    )
    start.add_argument(
        "--host", metavar="HOST", help="address to listen on (node.toml `host`; default 127.0.0.1)"
    )
    start.add_argument(
        "--port",
        type=port_argument,
        metavar="P",
        help="port of the peer and public API (node.toml `port`; default 7101)",
    )
    start.add_argument(
        "--genesis",
        type=Path,
        metavar="FILE",
        help="the network's genesis file (node.toml `genesis`; default genesis.json)",
    )
    start.add_argument(
        "--observer",
        action="store_true",
        default=None,
        help="sync and serve the API without voting",
    )
    start.add_argument(
        "--peer",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="another validator to dial, e.g. ningbo-ptc=https://node2.example:7101; "
        "repeatable, replaces node.toml's [[peers]]",
    )
    start.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help="the file holding the keystore's passphrase (node.toml `passphrase_file`, or "
        "LANTAN_PASSPHRASE_FILE; default: the `passphrase` file in the node directory)",
    )
    start.add_argument(
        "--heartbeat-interval-ms",
        type=whole_number(1),
        metavar="MS",
        help="make an empty block after this long without txs "
        "(node.toml `heartbeat_interval_ms`; default 60000)",
    )
    # What is refused before the node exists (its arguments, node.toml) is the command's one
    # line; once serve() has the node's log, a start it refuses (a port taken, a store
    # another process holds) is one error line of that log instead (node/server.py).
    # Ctrl-C before uvicorn serves (the store opening, the start-up check); once it serves,
    # uvicorn takes SIGINT and the node stops as it does on SIGTERM.
    expected = (ConfigError, OSError, KeyboardInterrupt)
    start.set_defaults(handler=guarded("node start", _run_start, expected))


def _run_start(args: argparse.Namespace) -> int:
    from node.server import serve

    peers = tuple(_parse_peer(text) for text in args.peer) or None
    node_dir = (args.dir if args.dir is not None else args.config.parent).resolve()
    if not node_dir.is_dir():
        raise ConfigError(f"no node directory {node_dir}")
    config = load_config(
        node_dir,
        overrides={
            "host": args.host,
            "port": args.port,
            # A path typed on the command line is the shell's, not node.toml's (relative
            # to the node directory).
            "genesis": None if args.genesis is None else args.genesis.resolve(),
            "observer": args.observer,
            "peers": peers,
            "passphrase_file": None
            if args.passphrase_file is None
            else args.passphrase_file.resolve(),
            "heartbeat_interval_ms": args.heartbeat_interval_ms,
        },
        config_file=None if args.config is None else args.config.resolve(),
    )
    return serve(config)


def _parse_peer(text: str) -> PeerConfig:
    """NAME=URL, the URL by node.toml's rule for a peer's (client/node_pool.py url_problem:
    `httpx://...` passed a check for "http" at its start)."""
    name, separator, url = text.partition("=")
    if not separator:
        raise ConfigError(f"--peer {text!r}: expected NAME=http://HOST:PORT")
    return peer_config(name, url, f"--peer {text!r}")
