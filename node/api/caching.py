"""Cache-Control of the JSON API's answers (PROTOCOL.md §15, "Caching").

Three kinds, so an HTTP cache in front of a node (or a client's own) can tell them apart:
- IMMUTABLE: the same bytes on this node and every honest one, for good: what follows from
  committed blocks alone (a committed tx's status, a consistency proof, a state proof at a
  given height). Finality is absolute here: a committed block is never replaced.
- REVALIDATE: committed in substance, but the answer also carries signatures this node
  collected, so its bytes are not final: a block's certificate holds whichever q
  precommits this node gathered (another node's differs, and this node's changes when its
  store is moved away and re-synced from its peers), and a checkpoint note gains witness
  cosignature lines as they arrive. A cache may keep it but must ask again before use.
- VOLATILE (every other answer, errors included: a 404 past the head is a 200 a block
  later): status, heads, lists, pending txs, records, readiness.
"""

from starlette.types import Message, Receive, Scope, Send

from node.api.middleware import HttpMiddleware

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
VOLATILE = "no-store"
CACHE_CONTROL = "Cache-Control"
_HEADER = CACHE_CONTROL.lower().encode("latin-1")


def api_answer(path: str) -> bool:
    """The answers this module speaks for: the /v1 API and health (not the web pages)."""
    return path.startswith("/v1/") or path in ("/healthz", "/readyz")


class VolatileByDefault(HttpMiddleware):
    """Cache-Control: no-store on every API answer whose route set none (module doc)."""

    async def handle_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not api_answer(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_default(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == _HEADER for name, _ in headers):
                    headers.append((_HEADER, VOLATILE.encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_default)
