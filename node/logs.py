"""JSON log lines (one object per line) for operators' log collectors; text for humans."""

import json
import logging
import time
from collections.abc import Callable

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", ...extra fields, "exception"?}."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: str) -> None:
    """Root logging for a node process: JSON (default) or plain text."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)


class RateLimitedLog:
    """At most one line per key every interval_s, with the count of the lines held back.

    A hostile peer or client can trigger the same error thousands of times a second; the
    log must still show that it happened without filling the disk (issue 10, finding 8).
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def info(self, key: str, message: str, *args: object) -> None:
        self._emit(logging.INFO, key, message, args, exc_info=False)

    def warning(self, key: str, message: str, *args: object) -> None:
        self._emit(logging.WARNING, key, message, args, exc_info=False)

    def exception(self, key: str, message: str, *args: object) -> None:
        """Like Logger.exception: the traceback is kept with the line that gets through."""
        self._emit(logging.ERROR, key, message, args, exc_info=True)

    def _emit(
        self, level: int, key: str, message: str, args: tuple[object, ...], *, exc_info: bool
    ) -> None:
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._interval_s:
            self._held[key] = self._held.get(key, 0) + 1
            return
        self._last[key] = now
        held = self._held.pop(key, 0)
        suffix = f" ({held} more like it held back)" if held else ""
        self._logger.log(level, message + suffix, *args, exc_info=exc_info)
