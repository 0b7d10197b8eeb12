"""The browser tier's own settings (conftest.py): its network runs at the tier's heartbeat,
not at node.net's 1 s (an idle height a second cost its three nodes ~0.17 CPU-s a second),
and it drives Debian's chromium-headless-shell where installed (half chromium's CPU)."""

from pathlib import Path

import pytest

from node.config import load_config
from node.net_layout import node_names
from tests.browser.conftest import DEBIAN_CHROMIUM, HEARTBEAT_MS, CaseNetwork, chromium_path

pytestmark = pytest.mark.browser


def test_every_node_runs_at_the_tier_heartbeat(network: CaseNetwork) -> None:
    names = node_names(network.directory)
    assert len(names) == 3
    assert {load_config(network.directory / n, env={}).heartbeat_interval_ms for n in names} == {
        HEARTBEAT_MS
    }


def test_the_headless_shell_where_installed_else_chromium(tmp_path: Path) -> None:
    shell = tmp_path / "chromium-headless-shell"
    assert chromium_path({}, shell) == DEBIAN_CHROMIUM
    shell.write_text("#!/bin/sh\n")
    assert chromium_path({}, shell) == shell
    named = {"LANTAN_CHROMIUM": "/opt/other/chrome"}
    assert chromium_path(named, shell) == Path("/opt/other/chrome")
    assert chromium_path({"LANTAN_CHROMIUM": ""}, shell) == shell
