"""Node configuration: the node.toml file, overridden by LANTAN_* env, overridden by flags.

A node directory is DIR/<name>/ of a network (DESIGN.md §7): keystore.json,
signer_state.json, data/ (LevelDB), node.toml, node.pid. Relative paths in node.toml are
relative to that directory.
"""

import os
import ssl
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from client.api import tls_context
from client.node_pool import url_problem
from genesis.commands import TCP_PORT_MAX
from genesis.layout import node_genesis_path
from node.logs import FORMATTERS, LOG_LEVELS
from node.peer_budget import PEER_BYTES_PER_S
from protocol.block import BLOCK_TXS_MAX

CONFIG_FILE = "node.toml"
BLOCK_TXS_DEFAULT = 1000
"""Txs a proposer puts in one block. Each height costs a fixed amount besides its txs (votes
signed, sent and checked, two synced writes, a checkpoint line, the commit's fsync): on a
2-core box `lantan bench --txs 20000` committed 1,456-1,556 tx/s with 250 per block,
1,894-2,036 with 1,000 and 2,160 with 2,000, whose larger per-block buffers left the
validators ~20 MiB bigger (docs/PERFORMANCE.md). A light load still makes small blocks."""


class ConfigError(Exception):
    """A configuration value is missing or malformed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerConfig:
    name: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeConfig:
    name: str
    node_dir: Path
    genesis: Path
    host: str = "127.0.0.1"
    port: int = 7101
    data_dir: Path = Path("data")
    observer: bool = False
    """Sync and serve without voting (no keystore needed)."""
    passphrase_file: Path | None = None
    heartbeat_interval_ms: int = 60_000
    propose_timeout_ms: int = 3000
    """Round 0 wait for a proposal (built, sent and re-executed by the others)."""
    block_txs_max: int = BLOCK_TXS_DEFAULT
    """Most txs this node puts in a block it proposes (1..10,000)."""
    peers: tuple[PeerConfig, ...] = field(default_factory=tuple)
    log_level: str = "info"
    """One of node/logs.py LOG_LEVELS, lowercase (load_config lowers what node.toml says)."""
    log_format: str = "json"
    """"json" (one object per line, for log collectors) or "text", lowercase likewise."""
    tls_cert_file: Path | None = None
    """With tls_key_file: serve HTTPS on the public and peer API (one listener)."""
    tls_key_file: Path | None = None
    tls_ca_file: Path | None = None
    """CA bundle to verify peers' HTTPS certificates (peer URLs then start with https)."""
    # Resource bounds (docs/OPERATIONS.md "Resource bounds"): what one client may cost.
    txs_request_bytes_max: int = 4 * 1024 * 1024
    """Largest POST /v1/txs body, counted as it streams in (chunked included)."""
    json_elements_max: int = 250_000
    """Most JSON values in one /v1/txs body, counted before it is decoded."""
    header_timeout_ms: int = 10_000
    """A connection must complete its request headers within this."""
    body_timeout_ms: int = 30_000
    """A request must complete its body within this after its headers."""
    connections_max: int = 1000
    """Open HTTP connections; past it the slowest one still sending headers is dropped."""
    mempool_txs_max: int = 50_000
    mempool_sender_txs_max: int = 2000
    """Pending txs of one sender; more are answered 429 until some commit."""
    peer_bytes_per_s: int = PEER_BYTES_PER_S
    """Envelope bytes per second one validator's /peer/ posts may have this node check and
    decode, after a burst of two 8 MiB envelopes; past it they are answered 429."""
    dev_plaintext_keystore: bool = False
    """Accept an unencrypted development keystore; a validator refuses one without it."""

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_cert_file is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def peer_tls_verify(self) -> ssl.SSLContext | bool:
        """What httpx verifies peers' certificates with: our CA file, else what httpx's
        default would (client/api.py tls_context: one context for the process, not one per
        peer client, each ~50 ms of CPU at the node's start)."""
        if self.tls_ca_file is None:
            return tls_context()
        return ssl.create_default_context(cafile=str(self.resolve(self.tls_ca_file)))

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.node_dir / path


_ENV_FIELDS = {
    "LANTAN_HOST": ("host", str),
    "LANTAN_PORT": ("port", int),
    "LANTAN_HEARTBEAT_INTERVAL_MS": ("heartbeat_interval_ms", int),
    "LANTAN_PASSPHRASE_FILE": ("passphrase_file", Path),
    "LANTAN_LOG_LEVEL": ("log_level", str),
    "LANTAN_LOG_FORMAT": ("log_format", str),
    "LANTAN_HEADER_TIMEOUT_MS": ("header_timeout_ms", int),
}


def load_config(
    node_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] = {},
    config_file: Path | None = None,
) -> NodeConfig:
    """node.toml < environment < overrides (flags). Raises ConfigError. config_file, a
    settings file the operator named (`--config`), is read instead of node_dir's node.toml
    and must exist; node_dir's own node.toml may be absent (the defaults)."""
    path = node_dir / CONFIG_FILE if config_file is None else config_file
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"no config file {config_file}")
    try:
        raw = tomllib.loads(path.read_text()) if path.exists() else {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    values: dict[str, Any] = {"name": node_dir.name, "node_dir": node_dir}
    values |= _from_file(raw, path)
    # Where each value came from, for the messages that refuse it: a bad --port named as
    # node.toml's sent operators to a file that may not exist.
    origins = dict.fromkeys(values, str(path))
    for variable, (name, kind) in _ENV_FIELDS.items():
        text = (os.environ if env is None else env).get(variable)
        if text is not None:
            values[name] = _convert(variable, text, kind)
            origins[name] = variable
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
            origins[name] = flag_of(name)
    if "genesis" not in values:
        values["genesis"] = node_genesis_path(node_dir)
    try:
        config = NodeConfig(**values)
    except TypeError as error:
        raise ConfigError(f"{path}: {error}") from None

    def origin(name: str) -> str:
        return origins.get(name, str(path))

    _check_ranges(config, origin)
    return _checked_choices(config, origin)


def flag_of(name: str) -> str:
    """The `lantan node start` flag of a setting: each is named after it (--port,
    --heartbeat-interval-ms)."""
    return "--" + name.replace("_", "-")


PORT_MAX = TCP_PORT_MAX


def _check_ranges(config: NodeConfig, origin: Callable[[str], str]) -> None:
    """Refuse numbers the node cannot run with before anything opens, naming where each
    came from (origin: node.toml's path, a LANTAN_* variable or a flag): a port outside
    1..65535 (the socket layer would take 70000 as 70000 mod 65536 and serve elsewhere
    than the node says), a block_txs_max past the protocol's bound (every validator would
    refuse this node's proposals), and a zero or negative interval, timeout or bound."""
    if not 1 <= config.port <= PORT_MAX:
        raise ConfigError(f"{origin('port')}: port must be 1..{PORT_MAX}, not {config.port}")
    if not 1 <= config.block_txs_max <= BLOCK_TXS_MAX:
        raise ConfigError(f"{origin('block_txs_max')}: block_txs_max must be 1..{BLOCK_TXS_MAX}")
    for setting in fields(NodeConfig):
        value = getattr(config, setting.name)
        if type(value) is int and setting.name != "port" and value < 1:
            raise ConfigError(
                f"{origin(setting.name)}: {setting.name} must be at least 1, not {value}"
            )


def _checked_choices(config: NodeConfig, origin: Callable[[str], str]) -> NodeConfig:
    """config with each setting that names one of a few values lowered, or ConfigError
    naming where one came from when it names none of them: `log_level = "verbose"` ended
    in logging's traceback, and `log_format = "xml"` logged text without a word. Any case
    is taken (`INFO`, `JSON`), as logging took a level's before."""

    def chosen(name: str, allowed: tuple[str, ...]) -> str:
        value: str = getattr(config, name)
        if value.lower() not in allowed:
            choices = " or ".join(allowed) if len(allowed) == 2 else "one of " + ", ".join(allowed)
            raise ConfigError(f"{origin(name)}: {name} must be {choices}, not {value!r}")
        return value.lower()

    return replace(
        config,
        log_level=chosen("log_level", LOG_LEVELS),
        log_format=chosen("log_format", tuple(FORMATTERS)),
    )


def _from_file(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    known = {f.name for f in fields(NodeConfig)} - {"node_dir"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r}")
    for name, value in raw.items():
        kind = _FILE_TYPES[name]
        # bool is an int in Python, and a quoted "false" would be a truthy string.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {name} must be a TOML {kind.__name__}")
    values = dict(raw)
    for name in (
        "genesis",
        "data_dir",
        "passphrase_file",
        "tls_cert_file",
        "tls_key_file",
        "tls_ca_file",
    ):
        if name in values:
            values[name] = Path(values[name])
    peers = raw.get("peers", [])
    values["peers"] = tuple(_peer_from_file(peer, path, n) for n, peer in enumerate(peers, 1))
    return values


def _peer_from_file(peer: object, path: Path, number: int) -> PeerConfig:
    """The number-th [[peers]] table of node.toml at path, or ConfigError naming what is
    wrong with it. A setting an operator appends at the end of node.toml lands in the last
    [[peers]] table (TOML's rule), and was refused as a table without its name and url; a
    url without its scheme was taken, and the node waited for that peer for ever."""
    table = f"[[peers]] table {number}"
    if not isinstance(peer, dict):
        raise ConfigError(f"{path}: peers must be [[peers]] tables")
    for key in peer:
        if key not in ("name", "url"):
            why = (
                "a top-level setting goes before the first [[peers]]"
                if key in _FILE_TYPES
                else "it holds a name and a url"
            )
            raise ConfigError(f"{path}: unknown key {key!r} in {table} ({why})")
    for key in ("name", "url"):
        if not isinstance(peer.get(key), str):
            raise ConfigError(f"{path}: {table} needs a {key}, a TOML string")
    where = f"{path}: {table} ({peer['name']}): url {peer['url']!r}"
    return peer_config(peer["name"], peer["url"], where)


def peer_config(name: str, url: str, where: str) -> PeerConfig:
    """A peer by the one rule of node.toml's [[peers]] and `--peer`: its URL as `--node`'s
    (client/node_pool.py url_problem), a trailing '/' dropped (the node adds its paths after
    one); otherwise ConfigError, `where: problem`."""
    trimmed = url.rstrip("/")
    problem = url_problem(trimmed)
    if problem is not None:
        raise ConfigError(f"{where}: {problem}")
    return PeerConfig(name=name, url=trimmed)


_FILE_TYPES: dict[str, type] = {
    "name": str,
    "genesis": str,
    "host": str,
    "port": int,
    "data_dir": str,
    "observer": bool,
    "passphrase_file": str,
    "heartbeat_interval_ms": int,
    "propose_timeout_ms": int,
    "block_txs_max": int,
    "peers": list,
    "log_level": str,
    "log_format": str,
    "tls_cert_file": str,
    "tls_key_file": str,
    "tls_ca_file": str,
    "txs_request_bytes_max": int,
    "json_elements_max": int,
    "header_timeout_ms": int,
    "body_timeout_ms": int,
    "connections_max": int,
    "mempool_txs_max": int,
    "mempool_sender_txs_max": int,
    "peer_bytes_per_s": int,
    "dev_plaintext_keystore": bool,
}


def _convert(variable: str, text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ConfigError(f"{variable}={text!r} is not a valid {kind.__name__}") from None


def render_config(config: NodeConfig) -> str:
    """node.toml text for config (written by `lantan net up`)."""
    lines = [
        f'name = "{config.name}"',
        f'host = "{config.host}"',
        f"port = {config.port}",
        f'genesis = "{config.genesis}"',
        f'data_dir = "{config.data_dir}"',
        f"observer = {'true' if config.observer else 'false'}",
        f"heartbeat_interval_ms = {config.heartbeat_interval_ms}",
        f"block_txs_max = {config.block_txs_max}",
    ]
    if config.passphrase_file is not None:
        lines.append(f'passphrase_file = "{config.passphrase_file}"')
    for peer in config.peers:
        lines += ["", "[[peers]]", f'name = "{peer.name}"', f'url = "{peer.url}"']
    return "\n".join(lines) + "\n"


def with_peers(config: NodeConfig, peers: list[PeerConfig]) -> NodeConfig:
    return replace(config, peers=tuple(peers))
