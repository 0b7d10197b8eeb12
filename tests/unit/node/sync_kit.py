"""What the block sync tests (node/sync.py and its parts) share: a peer served by
httpx.MockTransport, ledgers opened per test, a certified chain and a catch-up run against
peers."""

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from node.ledger import Ledger
from node.sync import BlockSync
from node.sync_ahead import SignaturesAhead
from protocol.encoding import decode, encode
from protocol.votes import CommitCertificate
from tests.unit.node.chain_kit import (
    account_open,
    build_and_commit,
)

PEER = "http://peer.test"


def serve_blocks(
    blocks: dict[int, tuple[bytes, CommitCertificate]],
    *,
    ranges: bool = True,
    seen: list[str] | None = None,
) -> httpx.MockTransport:
    """GET /v1/blocks/{h} and (unless ranges is False, as on an older node) the range route;
    seen collects the paths asked for."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.url.path)
        if request.url.path == "/v1/blocks/range":
            if not ranges:
                return httpx.Response(422, json={"error": {"code": "BAD_REQUEST", "detail": ""}})
            first, limit = int(request.url.params["from"]), int(request.url.params["limit"])
            entries = [
                {"block": decode(blocks[h][0]), "certificate": blocks[h][1].to_json()}
                for h in range(first, first + limit)
                if h in blocks
            ]
            return httpx.Response(200, content=encode({"blocks": entries}))
        height = int(request.url.path.rsplit("/", 1)[1])
        if height not in blocks:
            return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "detail": ""}})
        payload, certificate = blocks[height]
        body = {"block": decode(payload), "certificate": certificate.to_json(), "results": []}
        return httpx.Response(200, content=encode(body))

    return httpx.MockTransport(handler)


async def direct(function: Callable[..., Any], *args: object) -> Any:
    return function(*args)


LedgerAt = Callable[[str], Ledger]


def certified_chain(source: Ledger, count: int) -> dict[int, tuple[bytes, CommitCertificate]]:
    """count blocks of two account.open txs each, built and committed on source."""
    blocks = {}
    for n in range(1, count + 1):
        prepared = build_and_commit(source, (account_open(2 * n - 1), account_open(2 * n)))
        certificate = source.certificate(n)
        assert certificate is not None
        blocks[n] = (prepared.payload, certificate)
    return blocks


async def mock_sync(
    ledger: Ledger,
    urls: list[str],
    answer: Callable[[httpx.Request], httpx.Response],
    signatures_ahead: SignaturesAhead | None = None,
) -> BlockSync:
    """A BlockSync of ledger whose peers (urls) are answered by answer, in-process; the
    caller closes it."""
    return BlockSync(
        ledger,
        urls,
        direct,
        signatures_ahead=signatures_ahead,
        transport=httpx.MockTransport(answer),
    )


def catch_up_from(
    behind: Ledger,
    peers: dict[str, tuple[httpx.MockTransport, int]],
    signatures_ahead: SignaturesAhead | None = None,
) -> int:
    """BlockSync on behind with these peers (URL: transport, reported height), catch_up(0)."""

    def route(request: httpx.Request) -> httpx.Response:
        transport = peers[f"{request.url.scheme}://{request.url.host}"][0]
        return transport.handle_request(request)

    async def main() -> int:
        sync = await mock_sync(behind, list(peers), route, signatures_ahead)
        for url, (_, height) in peers.items():
            view = sync.state.peers[url]
            view.reachable, view.height = True, height
        try:
            return await sync.catch_up(0)
        finally:
            await sync.close()

    return asyncio.run(main())


def one_signature_certificate(ledger: Ledger, height: int) -> CommitCertificate:
    certificate = ledger.certificate(height)
    assert certificate is not None
    return CommitCertificate(
        height=certificate.height,
        round=certificate.round,
        block_hash=certificate.block_hash,
        signatures=certificate.signatures[:1],
    )
