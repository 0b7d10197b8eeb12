"""node/config.py: node.toml < LANTAN_* environment < flags; unknown or bad settings refused."""

from pathlib import Path

import pytest

from node.config import (
    CONFIG_FILE,
    ConfigError,
    NodeConfig,
    PeerConfig,
    load_config,
    render_config,
    with_peers,
)
from protocol.block import BLOCK_TXS_MAX


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "net" / "ningbo-ptc"
    directory.mkdir(parents=True)
    return directory


def write(node_dir: Path, text: str) -> None:
    (node_dir / CONFIG_FILE).write_text(text)


def test_defaults_without_a_file(node_dir: Path) -> None:
    config = load_config(node_dir, env={})
    assert config == NodeConfig(
        name="ningbo-ptc", node_dir=node_dir, genesis=node_dir.parent / "genesis.json"
    )
    assert config.url == "http://127.0.0.1:7101"
    assert config.resolve(config.data_dir) == node_dir / "data"
    assert config.resolve(Path("/abs/data")) == Path("/abs/data")
    assert config.peers == ()
    assert not config.observer


def test_the_file_sets_values(node_dir: Path) -> None:
    write(
        node_dir,
        """
name = "ningbo"
host = "0.0.0.0"
port = 7202
genesis = "/etc/lantan/genesis.json"
data_dir = "db"
observer = true
passphrase_file = "secret"
heartbeat_interval_ms = 1000
propose_timeout_ms = 300
block_txs_max = 500
log_level = "debug"

[[peers]]
name = "xiangshan-county"
url = "http://127.0.0.1:7101"

[[peers]]
name = "xiamen-ptc"
url = "http://127.0.0.1:7103"
""",
    )
    config = load_config(node_dir, env={})
    assert config.name == "ningbo"
    assert config.url == "http://0.0.0.0:7202"
    assert config.genesis == Path("/etc/lantan/genesis.json")
    assert config.resolve(config.data_dir) == node_dir / "db"
    assert config.observer
    assert config.passphrase_file == Path("secret")
    assert config.heartbeat_interval_ms == 1000
    assert config.propose_timeout_ms == 300
    assert config.block_txs_max == 500
    assert config.log_level == "debug"
    assert config.peers == (
        PeerConfig(name="xiangshan-county", url="http://127.0.0.1:7101"),
        PeerConfig(name="xiamen-ptc", url="http://127.0.0.1:7103"),
    )


def test_precedence_is_file_then_environment_then_flags(node_dir: Path) -> None:
    write(node_dir, 'host = "10.0.0.1"\nport = 7001\nlog_level = "warning"\n')
    env = {"LANTAN_PORT": "7002", "LANTAN_LOG_LEVEL": "error", "UNRELATED": "x"}
    config = load_config(node_dir, env=env, overrides={"port": 7003, "host": None})
    assert config.host == "10.0.0.1"  # file (the None flag is "not given")
    assert config.log_level == "error"  # environment over file
    assert config.port == 7003  # flag over environment
    assert load_config(node_dir, env=env).port == 7002
    assert load_config(node_dir, env={}).port == 7001


def test_every_environment_variable(node_dir: Path) -> None:
    env = {
        "LANTAN_HOST": "::1",
        "LANTAN_PORT": "9000",
        "LANTAN_HEARTBEAT_INTERVAL_MS": "250",
        "LANTAN_PASSPHRASE_FILE": "/run/secret",
        "LANTAN_LOG_LEVEL": "debug",
    }
    config = load_config(node_dir, env=env)
    assert (config.host, config.port, config.heartbeat_interval_ms) == ("::1", 9000, 250)
    assert config.passphrase_file == Path("/run/secret")
    assert config.log_level == "debug"


def test_the_process_environment_is_read_by_default(
    node_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANTAN_PORT", "7555")
    assert load_config(node_dir).port == 7555
    assert load_config(node_dir, env={}).port == 7101


@pytest.mark.parametrize("value", [0, -1, BLOCK_TXS_MAX + 1])
def test_a_block_size_no_validator_would_accept_is_refused(node_dir: Path, value: int) -> None:
    write(node_dir, f"block_txs_max = {value}\n")
    with pytest.raises(ConfigError, match=f"block_txs_max must be 1..{BLOCK_TXS_MAX}"):
        load_config(node_dir, env={})


def test_the_protocol_bound_itself_is_a_valid_block_size(node_dir: Path) -> None:
    write(node_dir, f"block_txs_max = {BLOCK_TXS_MAX}\n")
    assert load_config(node_dir, env={}).block_txs_max == BLOCK_TXS_MAX


def test_an_unknown_setting_in_the_file_is_refused(node_dir: Path) -> None:
    write(node_dir, "port = 7101\nprot = 7102\n")
    with pytest.raises(ConfigError, match="unknown setting 'prot'"):
        load_config(node_dir, env={})


def test_node_dir_is_not_a_setting(node_dir: Path) -> None:
    write(node_dir, 'node_dir = "/elsewhere"\n')
    with pytest.raises(ConfigError, match="unknown setting 'node_dir'"):
        load_config(node_dir, env={})


def test_an_unknown_flag_is_refused(node_dir: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(node_dir, env={}, overrides={"prot": 1})


def test_a_malformed_file_is_refused(node_dir: Path) -> None:
    write(node_dir, "port = \n")
    with pytest.raises(ConfigError, match=CONFIG_FILE):
        load_config(node_dir, env={})


@pytest.mark.parametrize(
    ("variable", "value"),
    [("LANTAN_PORT", "seventy"), ("LANTAN_HEARTBEAT_INTERVAL_MS", "1.5")],
)
def test_a_malformed_environment_value_is_refused(
    node_dir: Path, variable: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_config(node_dir, env={variable: value})


def test_render_then_load_round_trips(node_dir: Path) -> None:
    config = with_peers(
        NodeConfig(
            name="ningbo-ptc",
            node_dir=node_dir,
            genesis=Path("../genesis.json"),
            port=7102,
            observer=True,
            heartbeat_interval_ms=1000,
            passphrase_file=Path("passphrase"),
        ),
        [PeerConfig(name="xiangshan-county", url="http://127.0.0.1:7101")],
    )
    write(node_dir, render_config(config))
    assert load_config(node_dir, env={}) == config


@pytest.mark.parametrize(
    "text",
    [
        'port = "7101"',
        "port = 7101.0",
        "port = true",
        'observer = "false"',
        "host = 127",
        "genesis = 1",
        "heartbeat_interval_ms = [1000]",
        'peers = "xiangshan-county"',
        '[[peers]]\nname = "xiangshan-county"',
        '[[peers]]\nurl = "http://127.0.0.1:7101"',
        '[[peers]]\nname = 1\nurl = "http://127.0.0.1:7101"',
        '[[peers]]\nname = "a"\nurl = "http://127.0.0.1:7101"\nkey = "00"',
    ],
)
def test_a_setting_of_the_wrong_type_is_refused(node_dir: Path, text: str) -> None:
    # observer = "false" must not turn a validator into an observer (a non-empty string is
    # truthy), and a half-written [[peers]] table is a config error, not a KeyError.
    write(node_dir, text + "\n")
    with pytest.raises(ConfigError, match=CONFIG_FILE):
        load_config(node_dir, env={})


def test_every_setting_has_a_file_type() -> None:
    from dataclasses import fields

    from node import config

    assert set(config._FILE_TYPES) == {f.name for f in fields(NodeConfig)} - {"node_dir"}


def test_a_validator_refuses_a_plaintext_keystore_unless_node_toml_opts_in(
    tmp_path: Path,
) -> None:
    # It was accepted silently before (OPERATIONS.md says a validator key is encrypted).
    from genesis.errors import PlaintextKeystoreError
    from genesis.keystore import create_key_directory
    from node.validator_keys import unlock_validator_keys

    node_dir = tmp_path / "dev-node"
    keystore = create_key_directory(node_dir, "dev-node", (), None)
    config = NodeConfig(name="dev-node", node_dir=node_dir, genesis=tmp_path / "genesis.json")
    with pytest.raises(PlaintextKeystoreError):
        unlock_validator_keys(config)
    (node_dir / "node.toml").write_text("dev_plaintext_keystore = true\n")
    (key,) = unlock_validator_keys(load_config(node_dir)).keys
    assert key.public_key == keystore.identity.public_key


def test_resource_bounds_come_from_node_toml_and_the_header_timeout_from_env(
    tmp_path: Path,
) -> None:
    (tmp_path / "node.toml").write_text(
        "txs_request_bytes_max = 1048576\nconnections_max = 50\nmempool_sender_txs_max = 7\n"
        "peer_bytes_per_s = 65536\n"
    )
    config = load_config(tmp_path, env={"LANTAN_HEADER_TIMEOUT_MS": "2000"})
    assert (config.txs_request_bytes_max, config.connections_max) == (1048576, 50)
    assert (config.mempool_sender_txs_max, config.header_timeout_ms) == (7, 2000)
    assert config.peer_bytes_per_s == 65536
    assert load_config(tmp_path, env={}).body_timeout_ms == 30_000


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        (
            'log_level = "verbose"\n',
            {},
            "{file}: log_level must be one of debug, info, warning, error, critical, not 'verbose'",
        ),
        (
            "",
            {"LANTAN_LOG_LEVEL": "loud"},
            "LANTAN_LOG_LEVEL: log_level must be one of debug, info, warning, error, "
            "critical, not 'loud'",
        ),
        ('log_format = "xml"\n', {}, "{file}: log_format must be json or text, not 'xml'"),
        (
            "",
            {"LANTAN_LOG_FORMAT": "yaml"},
            "LANTAN_LOG_FORMAT: log_format must be json or text, not 'yaml'",
        ),
    ],
)
def test_a_log_level_or_format_the_node_has_not_is_refused_naming_where_it_came_from(
    node_dir: Path, text: str, env: dict[str, str], message: str
) -> None:
    # "verbose" ended in logging's ValueError traceback when the node configured its log,
    # and "xml" logged text without a word (operators' findings, stop 55).
    write(node_dir, text)
    with pytest.raises(ConfigError) as raised:
        load_config(node_dir, env=env)
    assert str(raised.value) == message.format(file=node_dir / CONFIG_FILE)


def test_a_log_level_and_format_are_taken_in_any_case_and_lowered(node_dir: Path) -> None:
    write(node_dir, 'log_level = "WARNING"\nlog_format = "Text"\n')
    config = load_config(node_dir, env={})
    assert (config.log_level, config.log_format) == ("warning", "text")
    config = load_config(node_dir, env={"LANTAN_LOG_LEVEL": "Debug", "LANTAN_LOG_FORMAT": "JSON"})
    assert (config.log_level, config.log_format) == ("debug", "json")


PEERS = '[[peers]]\nname = "xiangshan-county"\nurl = "http://127.0.0.1:7101"\n\n'
"""One well-formed [[peers]] table."""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Appended at the end of node.toml, a setting lands in the last [[peers]] table.
        (
            PEERS + PEERS + 'log_level = "debug"\n',
            "unknown key 'log_level' in [[peers]] table 2 (a top-level setting goes before "
            "the first [[peers]])",
        ),
        (
            PEERS + 'key = "00"\n',
            "unknown key 'key' in [[peers]] table 1 (it holds a name and a url)",
        ),
        ('[[peers]]\nname = "a"\n', "[[peers]] table 1 needs a url, a TOML string"),
        (
            '[[peers]]\nname = 1\nurl = "http://127.0.0.1:7101"\n',
            "[[peers]] table 1 needs a name, a TOML string",
        ),
        ("peers = [1]\n", "peers must be [[peers]] tables"),
    ],
)
def test_a_peers_table_is_refused_naming_the_key_and_the_table(
    node_dir: Path, text: str, message: str
) -> None:
    # "each [[peers]] table has a name and a url, strings" answered a setting appended at
    # the end of node.toml, though every table had both (operators' findings, stop 55).
    write(node_dir, text)
    with pytest.raises(ConfigError) as raised:
        load_config(node_dir, env={})
    assert str(raised.value) == f"{node_dir / CONFIG_FILE}: {message}"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("127.0.0.1:12201", "expected http://HOST:PORT or https://HOST:PORT"),
        ("ftp://127.0.0.1:12201", "expected http://HOST:PORT or https://HOST:PORT"),
        ("http://:12201", "expected http://HOST:PORT or https://HOST:PORT"),
        ("http://127.0.0.1:99999", "the port must be 1..65535"),
        ("http://127.0.0.1:7101/v1", "give the node's base URL, without /v1"),
    ],
)
def test_a_peer_url_the_node_cannot_dial_is_refused_naming_the_peer(
    node_dir: Path, url: str, problem: str
) -> None:
    # A url without its scheme was taken: the node started and said at info that it was
    # waiting for the peer (httpx's UnsupportedProtocol), for ever.
    write(node_dir, PEERS + f'[[peers]]\nname = "xiamen-ptc"\nurl = "{url}"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(node_dir, env={})
    assert str(raised.value).startswith(
        f"{node_dir / CONFIG_FILE}: [[peers]] table 2 (xiamen-ptc): url {url!r}: {problem}"
    )


@pytest.mark.parametrize(
    "url", ["https://node2.example", "http://[::1]:7101", "https://proxy.example/lantan/"]
)
def test_a_peer_url_needs_no_port_and_may_have_a_path(node_dir: Path, url: str) -> None:
    write(node_dir, f'[[peers]]\nname = "xiamen-ptc"\nurl = "{url}"\n')
    (peer,) = load_config(node_dir, env={}).peers
    assert peer.url == url.rstrip("/")  # the node adds its paths after a slash
