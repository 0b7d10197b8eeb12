"""`python -m node.main NODE_DIR`: run one node from its directory (used by `lantan net`)."""

import sys
from pathlib import Path

from node.config import ConfigError, load_config
from node.server import serve
from node.storage import StorageError


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m node.main NODE_DIR", file=sys.stderr)
        return 2
    try:
        serve(load_config(Path(argv[0]).resolve()))
    except (ConfigError, StorageError) as error:
        # One line, the last of node.log: `lantan net` shows it as why the node exited (a
        # store another process holds, or one a newer build wrote).
        print(f"lantan node: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
