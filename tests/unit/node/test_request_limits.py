"""node/api/limits.py, node/api/json_bounds.py and node/logs.py RateLimitFilter: bounds a
hostile client hits, tested on the ASGI app and the filter directly."""

import asyncio
import logging
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.types import Message

from node import logs
from node.api import json_bounds
from node.api.json_bounds import JsonBoundsError, check_json_bounds
from node.api.limits import CLAIMED_SENDER, HttpLimits, RequestLimits
from node.logs import RateLimitFilter
from protocol.encoding import NESTING_DEPTH_MAX


async def _echo_body(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(len(body)).encode()})


def _run(limits: HttpLimits, chunks: list[bytes | None], headers: list[Any]) -> list[Message]:
    """Drive RequestLimits over _echo_body; a None chunk is a body that stops arriving."""
    sent: list[Message] = []

    async def main() -> None:
        queue = list(chunks)

        async def receive() -> Message:
            chunk = queue.pop(0)
            if chunk is None:
                await asyncio.sleep(3600)
            return {"type": "http.request", "body": chunk, "more_body": bool(queue)}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "http", "path": "/v1/txs", "headers": headers}
        await RequestLimits(_echo_body, limits)(scope, receive, send)

    asyncio.run(main())
    return sent


def test_bytes_are_counted_as_they_stream_in_whatever_the_headers_claim() -> None:
    limits = HttpLimits(txs_request_bytes_max=100)
    sent = _run(limits, [b"x" * 60, b"x" * 60], [(b"content-length", b"10")])
    assert sent[0]["status"] == 413
    assert b"TOO_LARGE" in sent[1]["body"]
    sent = _run(limits, [b"x" * 50, b"x" * 50], [])
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"100")


def test_a_body_that_stops_arriving_is_408() -> None:
    limits = HttpLimits(body_timeout_s=0.05)
    sent = _run(limits, [b"x", None], [])
    assert sent[0]["status"] == 408
    assert b"BODY_TIMEOUT" in sent[1]["body"]


def test_json_bounds() -> None:
    check_json_bounds(b'{"txs": [[1, 2], {"a": "[[[[["}]}', 20)  # brackets in strings: no depth
    with pytest.raises(JsonBoundsError, match="deeper"):
        check_json_bounds(b"[" * 65 + b"]" * 65, 1000)
    check_json_bounds(b"[" * 64 + b"]" * 64, 1000)
    with pytest.raises(JsonBoundsError, match="elements"):
        check_json_bounds(b"[" + b"1," * 20 + b"1]", 10)
    with pytest.raises(JsonBoundsError, match="elements"):
        check_json_bounds(b'""' * 30, 10)


def test_json_bounds_unbalanced_and_escaped_bodies() -> None:
    # Closers first: the walk's running depth starts below zero, so 65 nested pairs after
    # four stray closers reach 61 and pass (the decoder refuses the body next).
    check_json_bounds(b"]]]]" + b"[" * 65 + b"]" * 65, 1000)
    with pytest.raises(JsonBoundsError, match="deeper"):
        check_json_bounds(b"[" * 65, 1000)  # never closed
    with pytest.raises(JsonBoundsError, match="deeper"):
        check_json_bounds(b"{" * 40 + b"[" * 25 + b"}" * 65, 1000)  # kinds mixed
    # An escaped quote does not end a string: its brackets stay inside it.
    check_json_bounds(b'["\\"' + b"[" * 70 + b'\\""]', 1000)
    # Balanced brackets inside a string are text, not nesting.
    check_json_bounds(b'["' + b"[" * 70 + b"]" * 70 + b'", 1]', 1000)
    check_json_bounds(b'["\\"' + b"[" * 70 + b"]" * 70 + b'\\""]', 1000)


_BODY_BYTES = st.lists(
    st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b",", b"a", b"[" * 30, b"]" * 30]),
    max_size=60,
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(body=_BODY_BYTES)
@example(body=b'["[]"]')
@example(body=b'["\\"[[]]\\""]')
@example(body=b'{"k,":"v","[":"]"}')
@example(body=b'{"a":["b"],"c":"[[["}')
def test_json_depth_at_c_speed_is_the_token_walk(body: bytes) -> None:
    """The round-based depth equals the token walk's wherever either is within the bound,
    and both are past it together: the same bodies are refused."""
    fast = json_bounds._nesting_depth(body, json_bounds._structure(body))
    walk = json_bounds._token_walk_depth(body)
    assert (fast > NESTING_DEPTH_MAX) == (walk > NESTING_DEPTH_MAX)
    if walk <= NESTING_DEPTH_MAX:
        assert fast == walk


def test_repeated_log_lines_are_rate_limited_and_the_count_reported() -> None:
    limiter = RateLimitFilter(interval_s=10.0, burst=2)

    def record(message: str, created: float) -> logging.LogRecord:
        entry = logging.LogRecord("uvicorn.error", logging.WARNING, "", 0, message, None, None)
        entry.created = created
        return entry

    passed = [limiter.filter(record("Invalid HTTP request received.", 100.0 + i)) for i in range(5)]
    assert passed == [True, True, False, False, False]
    assert limiter.filter(record("another message", 101.0))
    later = record("Invalid HTTP request received.", 111.0)
    assert limiter.filter(later)
    assert later.suppressed == 3  # type: ignore[attr-defined]
    assert limiter.suppressed_total == 3


def test_each_reason_of_one_template_has_a_budget_of_its_own() -> None:
    # Keyed on the template alone, five `malformed` drops within 10 s left no line for an
    # `unknown_key` one right after (hostile pass h56: the sixth refusal was only counted).
    limiter = RateLimitFilter(interval_s=10.0, burst=5)

    def dropped(reason: str, created: float) -> logging.LogRecord:
        template = "dropped peer message (%s): %s"
        entry = logging.LogRecord(
            "lantan.peer", logging.INFO, "", 0, template, (reason, "detail"), None
        )
        entry.reason = reason
        entry.created = created
        return entry

    noisy = [limiter.filter(dropped("malformed", 100.0 + i / 10)) for i in range(7)]
    assert noisy == [True] * 5 + [False] * 2
    assert limiter.filter(dropped("unknown_key", 101.0))
    assert not limiter.filter(dropped("malformed", 101.0))
    again = dropped("malformed", 111.0)
    assert limiter.filter(again)
    assert again.suppressed == 3  # type: ignore[attr-defined]


def test_the_limit_forgets_windows_that_are_over_when_it_holds_too_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logs, "LIMIT_KEYS_MAX", 10)
    limiter = RateLimitFilter(interval_s=10.0, burst=1)

    def line(reason: str, created: float) -> logging.LogRecord:
        entry = logging.LogRecord("lantan.peer", logging.INFO, "", 0, "refused", None, None)
        entry.reason = reason
        entry.created = created
        return entry

    for i in range(10):
        assert limiter.filter(line(f"old-{i}", 100.0))
    # The eleventh key: the ten windows that are over go, the one in progress stays.
    assert limiter.filter(line("recent", 115.0))
    assert len(limiter._windows) == 1
    assert not limiter.filter(line("recent", 115.5))


def test_a_body_timeout_is_a_warning_naming_the_client_and_the_claimed_sender(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Only evictions were logged: 1,295 slow peer bodies answered 408 left no line (h56).
    limits = HttpLimits(body_timeout_s=0.05)
    sent: list[Message] = []

    async def main() -> None:
        async def receive() -> Message:
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/peer/consensus",
            "headers": [],
            "client": ("127.0.0.9", 4321),
            CLAIMED_SENDER: "5da7d22a2765811b",
        }
        await RequestLimits(_echo_body, limits)(scope, receive, send)

    with caplog.at_level(logging.WARNING, logger="lantan.http"):
        asyncio.run(main())
    assert sent[0]["status"] == 408
    (line,) = caplog.records
    assert line.getMessage() == (
        "body not received within 0.05 s: POST /peer/consensus from 127.0.0.9:4321"
        " (claimed sender 5da7d22a2765811b)"
    )
    assert getattr(line, "reason", None) == "body_timeout"
