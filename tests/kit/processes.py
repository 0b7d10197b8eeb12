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
    """Run command to completion and parse its stdout as JSON.

    CalledProcessError when it exits non-zero, TimeoutExpired after timeout_s."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=True,
    )
    return json.loads(done.stdout)
