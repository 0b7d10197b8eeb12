"""`lantan node start --help`: every option says what it sets, since an operator deploying
by OPERATIONS.md reads it beside node.toml (six options printed no text at all)."""

import re

import pytest

from client.cli import main as cli


def test_every_start_option_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["node", "start", "--help"])
    out = capsys.readouterr().out
    options = out[out.index("options:") :]
    entries = re.split(r"\n  (?=-)", options)[1:]
    assert len(entries) == 10, entries
    for entry in entries:
        name, *text = entry.split(maxsplit=2 if "," not in entry.split()[0] else 1)
        assert len(" ".join(text).split()) >= 3, f"{name} has no help text: {entry!r}"
    flat = " ".join(out.split())
    for setting in ("host", "port", "genesis", "passphrase_file", "heartbeat_interval_ms"):
        assert f"node.toml `{setting}`" in flat, setting
    assert "LANTAN_PASSPHRASE_FILE" in flat
