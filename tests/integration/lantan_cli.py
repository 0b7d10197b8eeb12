"""The installed `lantan` executable, run as an operator runs it: no stdin, output captured.

Each call is forked from a warm interpreter of this test process that has imported every
command group (tests/kit/zygote.py Zygote.run): the same argv, working directory,
environment and exit status as the exec'd script, without its ~0.4-1 s of imports.
LANTAN_TEST_ZYGOTE=0 execs it.
"""

import atexit
import subprocess
import sys
from pathlib import Path

from tests.kit.zygote import CLI_PRELOAD, Zygote, enabled

LANTAN = str(Path(sys.executable).parent / "lantan")

_zygote = Zygote(CLI_PRELOAD)
atexit.register(_zygote.close)


def lantan(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run `lantan args...`; the caller checks returncode, stdout and stderr."""
    argv = [LANTAN, *args]
    if enabled():
        forked = _zygote.run(argv, timeout=timeout)
        if forked is not None:
            return forked
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
