"""POST /v1/txs bounds its body as it streams in: a body over the limit is 413 whatever
Content-Length claims, and deep or huge JSON is refused before it is decoded.
"""

from collections.abc import Iterator

import pytest

from node.api.limits import DEFAULT_LIMITS
from tests.unit.node.api.kit import (
    Api,
    assert_error,
)


def test_a_body_over_the_limit_is_413(api: Api) -> None:
    big = b" " * (DEFAULT_LIMITS.txs_request_bytes_max + 1)
    assert_error(api.client.post("/v1/txs", content=big), 413, "TOO_LARGE")
    assert_error(
        api.client.post("/v1/txs", content=b"{}", headers={"content-length": "x1"}),
        413,
        "TOO_LARGE",
    )
    # Other routes take small bodies only.
    assert_error(api.client.post("/v1/status", content=b" " * 100_000), 413, "TOO_LARGE")


def test_a_chunked_body_is_counted_as_it_streams_whatever_content_length_claims(
    api: Api,
) -> None:
    # The old limit trusted the header: "content-length: 10" let 17 MiB of chunks through
    # to be read whole and parsed.
    chunks_read = 0

    def chunks() -> Iterator[bytes]:
        nonlocal chunks_read
        for _ in range(17):
            chunks_read += 1
            yield b" " * (1024 * 1024)

    response = api.client.post("/v1/txs", content=chunks(), headers={"content-length": "10"})
    assert_error(response, 413, "TOO_LARGE")
    response = api.client.post("/v1/txs", content=chunks())
    assert_error(response, 413, "TOO_LARGE")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"txs": [' + b",".join([b"[1]"] * 300_000) + b"]}",
    ],
)
def test_deep_or_huge_json_is_refused_before_it_is_decoded(api: Api, body: bytes) -> None:
    assert_error(api.client.post("/v1/txs", content=body), 413, "TOO_COMPLEX")
