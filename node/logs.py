"""JSON log lines (one object per line) for operators' log collectors; text for humans."""

import json
import logging
import time

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
    handler.addFilter(LOG_RATE_LIMIT)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)


class RateLimitFilter(logging.Filter):
    """At most `burst` records per (logger, message template) every `interval_s`.

    A hostile client can make every request fail the same way; one line per failure once
    wrote 55 MB of log in 40 s. The first records of a kind pass, the rest are counted and
    the next record that passes says how many were suppressed.
    """

    def __init__(self, interval_s: float = 10.0, burst: int = 5) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.burst = burst
        self._windows: dict[tuple[str, str], tuple[float, int, int]] = {}
        self.suppressed_total = 0

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        started, passed, suppressed = self._windows.get(key, (record.created, 0, 0))
        if record.created - started >= self.interval_s:
            started, passed = record.created, 0
        if passed >= self.burst:
            self._windows[key] = (started, passed, suppressed + 1)
            self.suppressed_total += 1
            return False
        if suppressed:
            record.suppressed = suppressed
        self._windows[key] = (started, passed + 1, 0)
        if len(self._windows) > 10_000:
            self._windows.clear()
        return True


LOG_RATE_LIMIT = RateLimitFilter()
"""The node's one filter: on its handler, so every logger's repeats are limited alike."""
