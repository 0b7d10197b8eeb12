"""Ctrl-C in the server's commands that wait (`net up`, `net start`, `net add-observer`,
`bench`, `node start` before uvicorn serves) ends as every other `lantan` command's: one
line, `lantan <command>: error: interrupted`, exit 130 (docs/CLI.md "Exit codes"). It was a
KeyboardInterrupt traceback and status -2 (stop 52: `net up` interrupted while it waited
for its nodes to be ready; the nodes it started were stopped, as they still are)."""

from pathlib import Path

import pytest

from client.cli.main import main


def interrupt(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("where", "argv"),
    [
        ("node.net_cli.net_up", ["net", "up"]),
        ("node.net_cli.net_start", ["net", "start", "ningbo-ptc"]),
        ("node.net_cli.net_add_observer", ["net", "add-observer", "watcher"]),
        ("node.bench_cli.run_bench", ["bench"]),
        ("node.server.serve", ["node", "start"]),
    ],
)
def test_ctrl_c_while_a_server_command_waits_is_one_line_and_130(
    where: str,
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(where, interrupt)
    try:
        code = main([*argv, "--dir", str(tmp_path)])
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt left the command: a traceback")
    captured = capsys.readouterr()
    command = " ".join(argv[:2]) if argv[0] != "bench" else "bench"
    assert captured.err == f"lantan {command}: error: interrupted\n", captured.err
    assert code == 130
