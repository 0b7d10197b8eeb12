"""`lantan witness` arguments: --state and --interval-s refused at parsing (exit 2), and a key
genesis does not name said with its usual cause, the wrong genesis file."""

import argparse
import re
from pathlib import Path

import pytest

from client.cli.witness import cosigned_text, register_witness, report
from client.witness.rounds import RoundOutcome
from tests.kit.lantan_cli import run_lantan
from tests.unit.client.conftest import WITNESS, witnessed_network


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return witnessed_network(tmp_path_factory.mktemp("ours"), "lantan-ours")


@pytest.fixture(scope="module")
def theirs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return witnessed_network(tmp_path_factory.mktemp("theirs"), "lantan-theirs")


def parse_witness(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lantan")
    register_witness(parser.add_subparsers(dest="group", required=True))
    return parser.parse_args(["witness", *argv])


def required(genesis: Path, state: Path | str) -> tuple[str, ...]:
    return (
        "--genesis",
        str(genesis),
        "--key",
        str(genesis.parent / WITNESS),
        "--state",
        str(state),
    )


def refused_argument(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What argparse said on stderr when it refused argv with exit code 2."""
    with pytest.raises(SystemExit) as exited:
        parse_witness(*argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


# --state


def test_a_state_that_is_a_file_is_a_usage_error(
    ours: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It was a FileExistsError traceback after the key was unlocked.
    state = tmp_path / "r1.json"
    state.write_text("{}")
    error = refused_argument(capsys, *required(ours, state), "--once")
    assert f"argument --state: {state}: not a directory" in error
    assert state.read_text() == "{}"


def test_a_state_under_a_file_is_a_usage_error(
    ours: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It was a NotADirectoryError traceback.
    (tmp_path / "r1.json").write_text("{}")
    state = tmp_path / "r1.json" / "x"
    error = refused_argument(capsys, *required(ours, state), "--once")
    assert f"argument --state: {state}: cannot be made: {tmp_path / 'r1.json'} is not a" in error


def test_a_missing_state_directory_is_fine_and_made_later(ours: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert parse_witness(*required(ours, state)).state == state
    assert not state.exists()  # parsing makes nothing: the round does, once the key is known


def test_a_state_whose_parent_is_missing_is_a_usage_error_naming_the_parent(
    ours: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A typo'd path (`--state /srv/witnes/state`) silently made a new tree, and the witness
    # started a new consistency record in it.
    state = tmp_path / "typo" / "state"
    error = refused_argument(capsys, *required(ours, state), "--once")
    parent = tmp_path / "typo"
    assert f"argument --state: {state}: cannot be made: its parent directory {parent} does " in (
        " ".join(error.split())
    )
    assert not parent.exists()


# --interval-s


@pytest.mark.parametrize("text", ["-1", "0", "0.05", "nan", "inf", "-inf", "86401", "five"])
def test_an_interval_out_of_range_is_a_usage_error(
    ours: Path, tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # -1, nan and inf were taken: the first round cosigned, then sleep() raised; 0 looped
    # against every node without a pause.
    # --interval-s=TEXT: argparse would take a separate -inf for an option.
    error = refused_argument(capsys, *required(ours, tmp_path), f"--interval-s={text}")
    assert f"argument --interval-s: expected seconds from 0.1 to 86400 (a day), not {text!r}" in (
        error
    )


@pytest.mark.parametrize(("text", "seconds"), [("0.1", 0.1), ("2", 2.0), ("86400", 86400.0)])
def test_an_interval_in_range_is_taken(
    ours: Path, tmp_path: Path, text: str, seconds: float
) -> None:
    assert parse_witness(*required(ours, tmp_path), "--interval-s", text).interval_s == seconds
    assert parse_witness(*required(ours, tmp_path)).interval_s == 5.0


# A key the genesis file does not name


def test_another_networks_genesis_is_named_as_the_likely_cause(
    ours: Path, theirs: Path, tmp_path: Path
) -> None:
    # Our witness key with their genesis: it said only "this key is not a witness named in
    # the genesis file", when the usual mistake is the file.
    argv = ("--genesis", str(theirs), "--key", str(ours.parent / WITNESS), "--state", str(tmp_path))
    done = run_lantan("witness", *argv, "--once", "--node", "http://127.0.0.1:9")
    assert done.returncode == 1
    error = done.stderr
    assert f"is not a witness named in {theirs} (witnesses: {WITNESS}; chain " in error
    assert "wrong genesis file (another network's), or not this network's witness key" in error
    assert not any(tmp_path.iterdir())  # nothing written for a key that cannot cosign


# What a round prints


@pytest.mark.parametrize(
    ("sizes", "text"),
    [
        ((5, 5, 5), "size 5 at 3 nodes"),
        ((7,), "size 7 at 1 node"),
        ((9, 7, 9), "size 7 at 1 node; size 9 at 2 nodes"),
    ],
)
def test_cosigned_sizes_are_counted_per_size(sizes: tuple[int, ...], text: str) -> None:
    # It printed "cosigned size 5, 5, 5", which read as three checkpoints, not three nodes.
    assert cosigned_text(sizes) == text


def test_every_line_of_a_round_carries_its_utc_time(capsys: pytest.CaptureFixture[str]) -> None:
    # witness.log held lines with no time at all: an outage or a refusal could not be dated.
    outcome = RoundOutcome(cosigned=(4, 4), refused=("x",), errors=("node down",))
    report("w", outcome)
    captured = capsys.readouterr()
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "
    assert re.fullmatch(stamp + r"w cosigned size 4 at 2 nodes\n", captured.out)
    assert re.fullmatch(
        stamp
        + r"lantan witness: error: refused x\n"
        + stamp
        + r"lantan witness: warning: node down\n",
        captured.err,
    )
