"""The installed `lantan` executable, run as an operator runs it: no stdin, output captured."""

import subprocess
import sys
from pathlib import Path

LANTAN = str(Path(sys.executable).parent / "lantan")


def lantan(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run `lantan args...`; the caller checks returncode, stdout and stderr."""
    return subprocess.run(
        [LANTAN, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
