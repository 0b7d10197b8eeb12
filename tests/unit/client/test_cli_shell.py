"""The `lantan` executable in a shell: --version, completion scripts, closed pipes."""

import subprocess
import sys
from pathlib import Path

import pytest

LANTAN = str(Path(sys.executable).parent / "lantan")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LANTAN, *args], capture_output=True, text=True, timeout=60, check=False)


def test_version() -> None:
    completed = run("--version")
    assert completed.returncode == 0
    assert completed.stdout.startswith("lantan 0.")


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`lantan completion bash`, generated once for the module (each call is ~1 s of CPU)."""
    completed = run("completion", "bash")
    assert completed.returncode == 0, completed.stderr
    path = tmp_path_factory.mktemp("completion") / "lantan.bash"
    path.write_text(completed.stdout)
    return path


def bash_completions(script_file: Path, *words: str) -> list[str]:
    """What the generated bash completion offers after `lantan WORDS...` (last one partial)."""
    script = (
        f'source "{script_file}"\n'
        f"COMP_WORDS=(lantan {' '.join(words)}); COMP_CWORD={len(words)}\n"
        '_lantan; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    completed = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return completed.stdout.split()


def test_bash_completion_offers_groups_actions_and_options(bash_script: Path) -> None:
    assert "net" in bash_completions(bash_script, "n")
    assert bash_completions(bash_script, "net", "u") == ["up"]
    assert "--base-port" in bash_completions(bash_script, "net", "up", "--dir", "/tmp/x", "--")
    assert "insurance.attest" in bash_completions(bash_script, "tx", "ins")
    assert bash_completions(bash_script, "completion", "z") == ["zsh"]


def test_zsh_completion_is_a_compdef_script() -> None:
    completed = run("completion", "zsh")
    assert completed.returncode == 0
    assert completed.stdout.startswith("#compdef lantan")
    assert '"lantan net up"' in completed.stdout


@pytest.fixture(scope="module")
def dev_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("key") / "k"
    completed = run(
        "keys",
        "new",
        "--name",
        "k1",
        "--roles",
        "validator",
        "--out",
        str(directory),
        "--dev-plaintext",
    )
    assert completed.returncode == 0, completed.stderr
    return directory


@pytest.mark.parametrize("command", ["completion bash", "keys show {key}", "tx --help"])
def test_a_closed_pipe_ends_quietly(command: str, dev_key: Path) -> None:
    """`lantan ... | true`: the reader is gone before lantan writes; no traceback, no error."""
    line = f"{LANTAN} {command.format(key=dev_key)} | true; echo ${{PIPESTATUS[0]}}"
    completed = subprocess.run(
        ["bash", "-c", line], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stderr == ""
    assert completed.stdout.strip() in {"0", "141"}
