"""JSON log lines (one object per line) for operators' log collectors; text for humans.

Every line a node writes carries, where they apply, `height` and `round` (the consensus
position: the height being decided and its round; an observer has no round) and, while an
HTTP request is handled, its `request_id` (from the client's X-Request-ID or made here, and
echoed in the response). A call that passes its own `height` via extra= keeps it, and gets
the round only when that is the consensus height: a round belongs to the height decided.
"""

import json
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
CONTEXT_FIELDS = ("height", "round", "request_id")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
"""The `log_level` values, lowest first (node/config.py refuses others and lowers the case
of these)."""

request_id: ContextVar[str | None] = ContextVar("lantan_request_id", default=None)
"""Set by the HTTP middleware (node/api/observability.py) for the request being handled."""

Position = Callable[[], tuple[int, int | None] | None]
"""(height, round or None) of the consensus position now, or None when there is none."""


class ContextFilter(logging.Filter):
    """Adds height, round and request_id to each record that lacks them."""

    def __init__(self) -> None:
        super().__init__()
        self.position: Position | None = None
        """Set once the node exists (node/server.py serve)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        position = None if self.position is None else self.position()
        if position is not None:
            height, round_number = position
            if not hasattr(record, "height"):
                record.height = height
            same_height = getattr(record, "height", None) == height
            if round_number is not None and same_height and not hasattr(record, "round"):
                record.round = round_number
        return True


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


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [height=.. round=.. request_id=..]` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = [f"{k}={getattr(record, k)}" for k in CONTEXT_FIELDS if hasattr(record, k)]
        if not context:
            return text
        first, newline, rest = text.partition("\n")
        return f"{first} [{' '.join(context)}]{newline}{rest}"


FORMATTERS: dict[str, type[logging.Formatter]] = {"json": JsonFormatter, "text": TextFormatter}
"""Each `log_format` value's formatter (node/config.py refuses others and lowers the case of
these): a value not here is a KeyError, not text (`xml` once logged text silently)."""


def configure_logging(level: str, log_format: str) -> ContextFilter:
    """Root logging for a node process: JSON (default) or plain text, level and log_format
    as node/config.py lets them through (of LOG_LEVELS and FORMATTERS). Returns the filter
    that stamps the context, for the server to give it the consensus position. The rate
    limit's windows start empty: a process that starts several nodes one after another (the
    tests of node start) does not drop a node's refusal for the lines of those before."""
    LOG_RATE_LIMIT.start_afresh()
    handler = logging.StreamHandler()
    handler.setFormatter(FORMATTERS[log_format]())
    context = ContextFilter()
    handler.addFilter(LOG_RATE_LIMIT)
    handler.addFilter(context)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return context


LIMIT_KEYS_MAX = 10_000
"""Windows the rate limit keeps; past it, those whose interval is over are forgotten (all of
them when that is not enough): its memory stays bounded whatever the keys."""


class RateLimitFilter(logging.Filter):
    """At most `burst` records per (logger, message template, reason) every `interval_s`.

    A hostile client can make every request fail the same way; one line per failure once
    wrote 55 MB of log in 40 s. The first records of a kind pass, the rest are counted and
    the next record of that kind that passes says how many were suppressed. A record's
    `reason` field (extra={"reason": ...}, a drop's or refusal's reason) has a budget of
    its own: keyed on the template alone, distinct refusals shared one budget, and a sixth
    within 10 s was only counted, behind five of another reason (hostile pass h56).
    """

    def __init__(self, interval_s: float = 10.0, burst: int = 5) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.burst = burst
        self._windows: dict[tuple[str, str, str | None], tuple[float, int, int]] = {}
        self.suppressed_total = 0

    def start_afresh(self) -> None:
        """Forget every window (suppressed_total, a counter for /metrics, is kept)."""
        self._windows.clear()

    def filter(self, record: logging.LogRecord) -> bool:
        reason = getattr(record, "reason", None)
        key = (record.name, str(record.msg), None if reason is None else str(reason))
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
        if len(self._windows) > LIMIT_KEYS_MAX:
            self._forget_before(record.created - self.interval_s)
        return True

    def _forget_before(self, oldest: float) -> None:
        """Drop the windows started before oldest (over; a count they hold is dropped with
        them, as it was when every window was cleared); all of them if still too many."""
        self._windows = {k: w for k, w in self._windows.items() if w[0] >= oldest}
        if len(self._windows) > LIMIT_KEYS_MAX:
            self._windows.clear()


LOG_RATE_LIMIT = RateLimitFilter()
"""The node's one filter: on its handler, so every logger's repeats are limited alike."""
