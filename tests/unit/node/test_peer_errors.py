"""node/peer_errors.py: an error talking to a peer is never logged without a detail. Before,
a frozen peer's poll was logged as `peer http://127.0.0.1:7602 unreachable: ReadTimeout: `
(httpx's timeouts often have no text)."""

import asyncio
import logging
from pathlib import Path

import httpx
import pytest

from node.peer_errors import describe_peer_error, describe_refusal
from node.sync import BlockSync
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.sync_kit import PEER, direct

TIMEOUTS = {"connect": 1.5, "read": 5.0, "write": 2.0, "pool": 0.5}


def _request() -> httpx.Request:
    return httpx.Request("GET", f"{PEER}/v1/status", extensions={"timeout": TIMEOUTS})


@pytest.mark.parametrize(
    ("error", "described"),
    [
        (
            httpx.ReadTimeout("", request=_request()),
            "ReadTimeout: reading the response (GET /v1/status) timed out after 5 s",
        ),
        (
            httpx.ConnectTimeout("timed out", request=_request()),
            "ConnectTimeout: connecting (GET /v1/status) timed out after 1.5 s",
        ),
        (
            httpx.PoolTimeout("", request=_request()),
            "PoolTimeout: waiting for a free connection (GET /v1/status) timed out after 0.5 s",
        ),
        (httpx.ReadTimeout(""), "ReadTimeout: reading the response timed out"),
        (httpx.ConnectError("", request=_request()), "ConnectError (no detail)"),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "ConnectError: [Errno 111] Connection refused",
        ),
        (ValueError("bad json"), "ValueError: bad json"),
    ],
)
def test_describe_peer_error(error: BaseException, described: str) -> None:
    assert describe_peer_error(error) == described


def test_an_unreachable_peer_line_names_what_timed_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = open_ledger(tmp_path / "data")
    answers = iter([True, False])

    def status(request: httpx.Request) -> httpx.Response:
        if not next(answers):
            raise httpx.ReadTimeout("", request=request)
        return httpx.Response(200, json={"height": ledger.height, "head_hash": "00"})

    async def main() -> None:
        sync = BlockSync(ledger, [PEER], direct, transport=httpx.MockTransport(status))
        try:
            for _ in range(2):
                await sync.poll_peers()
        finally:
            await sync.close()

    try:
        with caplog.at_level(logging.WARNING, logger="lantan.sync"):
            asyncio.run(main())
    finally:
        ledger.store.close()
    assert [r.getMessage() for r in caplog.records] == [
        f"peer {PEER} unreachable: ReadTimeout: reading the response (GET /v1/status) "
        "timed out after 5 s"
    ]


def test_a_refusal_is_said_by_its_status_not_by_a_quoted_page() -> None:
    # Stop 55 (the operator's pass): another program on a peer's port answered an HTML error
    # page, and the log quoted its first 200 characters, the status cut off.
    page = b"<!DOCTYPE HTML>\n<html lang='en'><head><title>Error response</title>" + b" " * 300
    assert describe_refusal(501, page) == (
        f"HTTP 501 with {len(page)} bytes that are no JSON error: is another program than a"
        " Lantan node on that port?"
    )
    lantan = b'{"error":{"code":"WRONG_CHAIN","detail":"another chain"}}'
    assert describe_refusal(400, lantan) == (
        'HTTP 400 {"error":{"code":"WRONG_CHAIN","detail":"another chain"}}'
    )
    assert "\n" not in describe_refusal(500, b"a\nb") and describe_refusal(413, b"[1]").startswith(
        "HTTP 413 with 3 bytes"
    )
