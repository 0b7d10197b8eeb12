"""`lantan node start`: run one validator or observer in the foreground. Thin I/O shell."""

import argparse
import sys
from pathlib import Path
from typing import TypeAlias

from node.config import ConfigError, PeerConfig, load_config
from node.extra import require_server_extra

require_server_extra()  # these commands run the server: refuse without the node extra

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register_node(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("node", help="run a validator or observer node")
    actions = group.add_subparsers(dest="node_action", metavar="ACTION", required=True)
    start = actions.add_parser("start", help="run the node in DIR/<name> in the foreground")
    where = start.add_mutually_exclusive_group(required=True)
    where.add_argument("--dir", type=Path, help="the node's directory (holds node.toml)")
    where.add_argument("--config", type=Path, help="the node's node.toml (its folder is the dir)")
    start.add_argument("--host")
    start.add_argument("--port", type=int)
    start.add_argument("--genesis", type=Path)
    start.add_argument(
        "--observer",
        action="store_true",
        default=None,
        help="sync and serve the API without voting",
    )
    start.add_argument("--peer", action="append", default=[], metavar="NAME=URL")
    start.add_argument("--passphrase-file", type=Path)
    start.add_argument("--heartbeat-interval-ms", type=int)
    start.set_defaults(handler=_run_start)


def _run_start(args: argparse.Namespace) -> int:
    from node.server import serve

    try:
        peers = tuple(_parse_peer(text) for text in args.peer) or None
        node_dir = args.dir if args.dir is not None else args.config.parent
        config = load_config(
            node_dir.resolve(),
            overrides={
                "host": args.host,
                "port": args.port,
                "genesis": args.genesis,
                "observer": args.observer,
                "peers": peers,
                "passphrase_file": args.passphrase_file,
                "heartbeat_interval_ms": args.heartbeat_interval_ms,
            },
        )
        serve(config)
    except (ConfigError, OSError) as error:
        print(f"lantan node start: error: {error}", file=sys.stderr)
        return 1
    return 0


def _parse_peer(text: str) -> PeerConfig:
    name, separator, url = text.partition("=")
    if not separator or not url.startswith("http"):
        raise ConfigError(f"--peer {text!r}: expected NAME=http://HOST:PORT")
    return PeerConfig(name=name, url=url.rstrip("/"))
