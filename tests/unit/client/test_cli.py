"""The `lantan` script: command groups from entry points, and a clear message without them."""

import subprocess
import sys

import pytest

from client.cli import main as cli
from tests.unit.client.conftest import Network


def test_without_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "usage: lantan" in capsys.readouterr().out


def test_server_groups_exist_even_without_entry_points() -> None:
    parser = cli.build_parser()
    help_text = parser.format_help()
    for name in cli.SERVER_GROUPS:
        assert name in help_text


def test_missing_server_group_explains_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "entry_points", lambda group: [])
    exit_code = cli.main(["node"])
    assert exit_code == 2


def test_console_script_runs_as_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "client.cli.main", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert "Lantan" in completed.stdout


def test_server_groups_without_the_extra_explain_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    from node import extra

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "plyvel" else real_find_spec(name, *args),
    )
    with pytest.raises(ImportError, match="plyvel"):
        extra.require_server_extra()
    monkeypatch.setattr(cli, "entry_points", lambda group: [])
    assert cli.main(["net", "up", "--dir", "/tmp/none"]) == 2
    assert "pip install 'lantan[node]'" in capsys.readouterr().err


def test_an_unknown_group_is_refused_with_every_group_listed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["bogus"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'bogus'" in error
    for name in ("genesis", "verify", "receipt", "completion"):
        assert name in error


def test_audit_takes_node_as_every_other_command_does(network: Network) -> None:
    # `--nodes` was audit's only spelling; `--node` was refused as unrecognized.
    parser = cli.build_parser()
    genesis = str(network.genesis_path)
    for option in ("--node", "--nodes"):
        args = parser.parse_args(["audit", option, "http://a:1,http://b:2", "--genesis", genesis])
        assert args.nodes == "http://a:1,http://b:2"


@pytest.mark.parametrize(
    ("arguments", "command"),
    [
        (["query", "status", "--bogus"], "lantan query status"),
        (["net", "up", "--dir", "/tmp/none", "--bogus"], "lantan net up"),
        (["keys", "show", "/tmp/none", "--bogus"], "lantan keys show"),
    ],
)
def test_an_unknown_option_is_refused_by_the_command_that_was_given_it(
    arguments: list[str], command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # argparse hands a subcommand's leftovers to the top parser, which printed its own usage
    # (`usage: lantan [-h] [--version] COMMAND ...`): no hint of what the command does take.
    with pytest.raises(SystemExit) as exited:
        cli.main(arguments)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"usage: {command} ")
    assert f"{command}: error: unrecognized arguments: {arguments[-1]}" in error


def test_witness_names_its_own_usage_for_json_it_does_not_take(
    network: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    # The walkthrough's case: a witness runs rounds until stopped, it prints no document.
    arguments = ["witness", "--genesis", str(network.genesis_path), "--key", "k", "--state", "s"]
    assert cli.main([*arguments, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("usage: lantan witness ")
    assert "lantan witness: error: unrecognized arguments: --json" in captured.err


def test_unknown_options_with_json_are_still_one_json_failure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["query", "status", "--bogus", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out.strip() == ('{"error": "unrecognized arguments: --bogus", "exit_code": 2}')
    assert "usage: lantan query status " in captured.err
