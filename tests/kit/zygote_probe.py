"""Run as `python -m tests.kit.zygote_probe ARG...` (tests/unit/test_zygote.py): prints, as
one JSON object, what a process started by the test zygote sees of itself, then a line on
stderr, so the test can compare it with what an exec'd process would see."""

import json
import os
import random
import signal
import sys
import time


def main() -> None:
    print(
        json.dumps(
            {
                "argv": sys.argv,
                "cwd": os.getcwd(),
                "path0": sys.path[0],
                "pid": os.getpid(),
                "sid": os.getsid(0),
                "env": os.environ.get("ZYGOTE_PROBE"),
                "stdin": sys.stdin.read(),
                "sigchld_default": signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL,
                "random": random.getrandbits(64),
                "name": __name__,
            }
        ),
        flush=True,
    )
    print("probe stderr", file=sys.stderr)
    if sys.argv[1:2] == ["sleep"]:  # for a caller's timeout
        time.sleep(60)
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)


if __name__ == "__main__":
    main()
