"""`python -m node.main NODE_DIR` interrupted while it starts: exit 130 and one log line, as
Ctrl-C ends every command (docs/CLI.md "Exit codes"), never a traceback in node.log."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from node import main as node_main

INTERRUPT_AMONG_THE_IMPORTS = """
import importlib.abc, os, signal, sys

class InterruptAtImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "node.config":  # node/main.py's first import of its own
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptAtImport())
"""


def test_ctrl_c_during_the_imports_is_held_and_ends_as_one_json_line_and_130(
    tmp_path: Path,
) -> None:
    # The imports take about 1.5 s of CPU. A SIGINT among them put a KeyboardInterrupt
    # traceback from runpy in node.log, and the status was -2. The process sends it to
    # itself as it starts importing node.config (a sitecustomize on its path): sent 0.5 s
    # after the start instead, it landed in the interpreter's own start (the site module)
    # when the box was loaded, and would land after the imports on a fast one.
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(INTERRUPT_AMONG_THE_IMPORTS)
    path = os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
    started = subprocess.run(
        [sys.executable, "-m", "node.main", str(tmp_path / "no-such-node")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": path},
        timeout=120,
        check=False,
    )
    out = started.stdout
    assert started.returncode == 130, out
    lines = out.decode().splitlines()
    assert len(lines) == 1, out
    line = json.loads(lines[0])
    assert (line["level"], line["message"]) == ("error", "node not started: interrupted")


def test_ctrl_c_while_the_node_opens_is_one_line_naming_it_and_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # After the node's config is read (the store opening, the start-up check, before uvicorn
    # serves): the same line, naming the node, in the log's format.
    def interrupted(_config: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(node_main, "serve", interrupted)
    (tmp_path / "node.toml").write_text('name = "ningbo-ptc"\nport = 14201\n')
    assert node_main.main([str(tmp_path)]) == 130
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "node ningbo-ptc not started: interrupted")
    ]
