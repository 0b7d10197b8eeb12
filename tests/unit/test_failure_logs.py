"""The multi-node tiers' failure report: node states, log excerpts and the saved copies."""

import json
from pathlib import Path
from typing import cast

import pytest

from tests.integration import failure_logs
from tests.integration.network import NETS_STASH, LocalNet


class _StoppedNet:
    """A network directory whose nodes no longer answer (a test closed them)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def url(self, name: str) -> str:
        return "http://127.0.0.1:1"  # nothing listens on port 1


def _line(level: str, message: str) -> str:
    return json.dumps({"time": "2026-12-02T20:00:00.000Z", "level": level, "message": message})


def _network(tmp_path: Path) -> Path:
    directory = tmp_path / "lantan-chaos-1-byz-x"
    for name in ("ningbo-ptc", "xiangshan-court"):
        (directory / name).mkdir(parents=True)
        lines = [_line("info", f"{name} started"), _line("warning", f"{name}: round 0 ended")]
        lines += [_line("info", f"dropped peer message {i}") for i in range(100)]
        (directory / name / "node.log").write_text("\n".join(lines) + "\n")
    (directory / "xiamen-ptc.byzantine.log").write_text("Traceback\nBrokenPipeError\n")
    return directory


def test_a_flood_of_info_lines_does_not_hide_the_last_warnings(tmp_path: Path) -> None:
    directory = _network(tmp_path)
    excerpt = failure_logs.log_excerpt(directory / "ningbo-ptc" / "node.log", warnings=5, lines=3)
    assert "ningbo-ptc: round 0 ended" in excerpt
    assert "dropped peer message 99" in excerpt
    assert "dropped peer message 96" not in excerpt
    plain = failure_logs.log_excerpt(directory / "xiamen-ptc.byzantine.log")
    assert plain == "Traceback\nBrokenPipeError"


def test_a_report_names_each_node_its_log_and_where_the_logs_were_saved(
    tmp_path: Path, pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(failure_logs.FAILURE_LOGS_ENV, str(tmp_path / "saved"))
    net = cast(LocalNet, _StoppedNet(_network(tmp_path)))
    before = pytestconfig.stash.get(NETS_STASH, []).copy()
    with pytest.raises(AssertionError), failure_logs.watch_net(pytestconfig, net):
        raise AssertionError("timed out waiting for height 10")
    assert pytestconfig.stash.get(NETS_STASH, []) == before
    sections = dict(failure_logs.failure_sections(pytestconfig, "tests/chaos::test_x"))
    states = sections["node states lantan-chaos-1-byz-x"]
    assert states.splitlines() == [
        "ningbo-ptc: no answer to /v1/status (ConnectError)",
        "xiangshan-court: no answer to /v1/status (ConnectError)",
    ]
    assert "xiangshan-court: round 0 ended" in sections["node log xiangshan-court"]
    assert "BrokenPipeError" in sections["process log xiamen-ptc.byzantine.log"]
    saved = Path(sections["saved logs"]) / "lantan-chaos-1-byz-x"
    assert sorted(p.name for p in saved.iterdir()) == [
        "ningbo-ptc.log",
        "states.txt",
        "xiamen-ptc.byzantine.log",
        "xiangshan-court.log",
    ]
    assert (saved / "states.txt").read_text() == states + "\n"
    # Taken once: the next failing test's report does not repeat this network.
    assert "node states lantan-chaos-1-byz-x" not in dict(
        failure_logs.failure_sections(pytestconfig, "tests/chaos::test_y")
    )
