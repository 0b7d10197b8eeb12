"""`python -m node.main NODE_DIR`: run one node from its directory (used by `lantan net`)."""

import logging
import sys
from pathlib import Path

from node.config import ConfigError, load_config
from node.logs import configure_logging
from node.server import EXIT_NOT_STARTED, serve


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m node.main NODE_DIR", file=sys.stderr)
        return 2
    try:
        config = load_config(Path(argv[0]).resolve())
    except ConfigError as error:
        # A log line as every other of node.log (issue 20), in the default format: node.toml
        # did not say another. Once it is read, serve() logs a start it refuses likewise (a
        # port taken, a store another process holds); `lantan net` shows that last line's
        # message as why the node exited.
        configure_logging("info", "json")
        logging.getLogger("lantan.node").error("node not started: %s", error)
        return EXIT_NOT_STARTED
    return serve(config)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
