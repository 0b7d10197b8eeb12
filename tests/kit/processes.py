"""Helper processes whose stdout is one JSON document (a fresh interpreter, Node.js)."""

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def json_output_of(
    command: Sequence[str],
    *,
    timeout_s: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
) -> Any:
    """Run command to completion and parse its stdout as JSON (its stderr is not captured).

    CalledProcessError when it exits non-zero, TimeoutExpired after timeout_s."""
    output = subprocess.check_output(
        command, cwd=cwd, env=env, input=input_text, text=True, timeout=timeout_s
    )
    return json.loads(output)
