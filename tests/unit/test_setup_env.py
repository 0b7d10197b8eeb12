"""`source scripts/setup-env`, as the README says: the caller's shell options are its own.

Before, the sourced script ran `set -euo pipefail` in the caller's shell, so the next
failing command closed an interactive terminal.
"""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOW_OPTIONS = 'echo "$-"; shopt -o errexit nounset pipefail || true'


@pytest.mark.parametrize("caller_options", ["", "set -u", "set -e -o pipefail"])
def test_sourcing_setup_env_leaves_the_callers_options_unchanged(caller_options: str) -> None:
    script = (
        f"{caller_options}\n{SHOW_OPTIONS}\necho ---\n"
        f"source scripts/setup-env >/dev/null\n{SHOW_OPTIONS}\n"
    )
    completed = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600, check=True
    )
    before, after = completed.stdout.split("---\n")
    assert before == after


def test_setup_env_puts_lantan_on_path_once() -> None:
    script = "source scripts/setup-env >/dev/null; source scripts/setup-env >/dev/null; echo $PATH"
    completed = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600, check=True
    )
    venv_bin = str(ROOT / ".venv" / "bin")
    assert completed.stdout.strip().split(":").count(venv_bin) == 1
