"""`python -m node.main NODE_DIR`: run one node from its directory (used by `lantan net`).

Ctrl-C (SIGINT) while the node starts ends it as Ctrl-C ends every command: exit 130 and one
line, here a line of its log (`node NAME not started: interrupted`), not a traceback in
node.log. A SIGINT that arrives while the imports below run (about 1.5 s of CPU) is held
until they are done and the log can say it; once uvicorn serves, it takes SIGINT itself and
the node stops as on SIGTERM.
"""

import signal
import sys
from types import FrameType
from typing import Final

EXIT_INTERRUPTED: Final = 128 + signal.SIGINT
_held_signals: list[int] = []


def _hold(signal_number: int, _frame: FrameType | None) -> None:
    _held_signals.append(signal_number)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, _hold)

import logging  # noqa: E402 (after the handler above: a Ctrl-C among them is held)
from pathlib import Path  # noqa: E402

from node.config import ConfigError, NodeConfig, load_config  # noqa: E402
from node.logs import configure_logging  # noqa: E402
from node.server import EXIT_NOT_STARTED, serve  # noqa: E402

log = logging.getLogger("lantan.node")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m node.main NODE_DIR", file=sys.stderr)
        return 2
    config: NodeConfig | None = None
    try:
        if signal.getsignal(signal.SIGINT) is _hold:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            if _held_signals:
                raise KeyboardInterrupt
        config = load_config(Path(argv[0]).resolve())
        return serve(config)
    except ConfigError as error:
        # A log line as every other of node.log (issue 20), in the default format: node.toml
        # did not say another. Once it is read, serve() logs a start it refuses likewise (a
        # port taken, a store another process holds); `lantan net` shows that last line's
        # message as why the node exited.
        configure_logging("info", "json")
        log.error("node not started: %s", error)
        return EXIT_NOT_STARTED
    except KeyboardInterrupt:
        if not logging.getLogger().handlers:  # serve() had not configured the log yet
            configure_logging("info", "json")
        name = "" if config is None else f" {config.name}"
        log.error("node%s not started: interrupted", name)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
