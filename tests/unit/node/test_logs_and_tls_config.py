"""JSON log lines, and the TLS settings' effect on URLs and peer verification."""

import json
import logging
from pathlib import Path

from client.api import tls_context
from node.config import load_config
from node.logs import ContextFilter, JsonFormatter, TextFormatter, request_id


def test_json_log_lines_carry_level_logger_message_and_extras() -> None:
    record = logging.LogRecord("lantan.node", logging.WARNING, "f.py", 1, "height %d", (7,), None)
    record.peer = "ningbo-ptc"
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "warning"
    assert line["logger"] == "lantan.node"
    assert line["message"] == "height 7"
    assert line["peer"] == "ningbo-ptc"
    assert line["time"].endswith("Z")


def test_json_log_lines_include_the_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, "f.py", 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in line["exception"]


def test_tls_settings_switch_the_url_to_https_and_pin_the_peer_ca(tmp_path: Path) -> None:
    node_dir = tmp_path / "xiamen-ptc"
    node_dir.mkdir()
    plain = load_config(node_dir, env={})
    # Without a CA file, httpx's default trust, one context for every peer client.
    assert plain.url.startswith("http://") and plain.peer_tls_verify is tls_context()
    (node_dir / "node.toml").write_text(
        'tls_cert_file = "tls/cert.pem"\ntls_key_file = "tls/key.pem"\ntls_ca_file = "tls/ca.pem"\n'
    )
    secured = load_config(node_dir, env={})
    assert secured.url.startswith("https://")
    assert secured.resolve(secured.tls_ca_file) == node_dir / "tls" / "ca.pem"  # type: ignore[arg-type]
    assert load_config(node_dir, env={"LANTAN_LOG_FORMAT": "text"}).log_format == "text"


def test_log_lines_carry_the_consensus_position_and_the_request_id() -> None:
    context = ContextFilter()
    context.position = lambda: (12, 3)
    record = logging.LogRecord("lantan.runtime", logging.INFO, "f.py", 1, "step", (), None)
    token = request_id.set("req-7")
    try:
        assert context.filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert (line["height"], line["round"], line["request_id"]) == (12, 3, "req-7")
    assert TextFormatter().format(record).endswith("[height=12 round=3 request_id=req-7]")
    # An explicit height (a log about another height) is kept; an observer has no round.
    context.position = lambda: (12, None)
    own = logging.LogRecord("lantan.sync", logging.INFO, "f.py", 1, "m", (), None)
    own.height = 5
    context.filter(own)
    assert own.height == 5  # type: ignore[attr-defined]
    assert not hasattr(own, "round")
    assert not hasattr(own, "request_id")
