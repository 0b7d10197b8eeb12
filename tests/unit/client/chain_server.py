"""A stand-in node for `lantan audit` CLI tests: a ChainForge chain over real HTTP.

It serves what the audit reads (status, blocks, the latest checkpoint, validator sets,
consistency proofs) on 127.0.0.1 at a free port, and can misbehave in the ways the
auditor's walkthrough found: claim a height it does not have, drop the connection from a
height on, or answer as something that is not a Lantan node. Tests only.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from genesis.example.chain_forge import ChainForge
from tests.unit.client.fake_node import Answer, error, ok, serve_answers


@dataclass
class ChainStandIn:
    """One node serving forge's chain; the optional fields make it misbehave."""

    forge: ChainForge
    name: str = "xiangshan-county"
    claimed_height: int | None = None
    """The height /v1/status claims (default: the chain's)."""
    unreachable_from: int | None = None
    """Blocks from this height on: the connection is closed without an answer."""
    status: dict[str, Any] | None = None
    """Another /v1/status answer (not a Lantan node's)."""
    validator_sets: bool = True
    duplicate_consistency_key: bool = False
    """Consistency proofs with a `"hashes": []` member before the real one."""
    requests: int = 0

    def handle(self, target: str) -> Answer | None:
        """The answer to GET target; None closes the connection without one."""
        self.requests += 1
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path.removeprefix("/v1/")
        if path == "status":
            return ok(self._status() if self.status is None else self.status)
        if path.startswith("blocks/") and path.removeprefix("blocks/").isdigit():
            return self._block(int(path.removeprefix("blocks/")))
        if path == "checkpoints/latest" and self.status is None:
            note = self.forge.checkpoint_note()
            return 200, "text/plain; charset=utf-8", note.encode()
        if path == "validator-sets" and self.validator_sets and self.status is None:
            validators = self.forge.genesis.document.validators.to_json()
            return ok({"genesis": validators, "changes": []})
        if path == "proofs/consistency":
            first, second = int(query["first"]), int(query["second"])
            hashes = [h.hex() for h in self.forge.log.consistency_proof(first, second)]
            status, kind, body = ok({"size1": first, "size2": second, "hashes": hashes})
            if self.duplicate_consistency_key:
                body = b'{"hashes": [], ' + body[1:]
            return status, kind, body
        return error(404, "NOT_FOUND", "no such route")

    def _status(self) -> dict[str, Any]:
        height = len(self.forge.blocks) if self.claimed_height is None else self.claimed_height
        return {"chain_id": self.forge.chain_id.hex(), "node": self.name, "height": height}

    def _block(self, height: int) -> Answer | None:
        if self.unreachable_from is not None and height >= self.unreachable_from:
            return None
        if not 1 <= height <= len(self.forge.blocks):
            return error(404, "NOT_FOUND", f"no block {height}")
        return ok(self.forge.blocks[height - 1].answer())


@contextmanager
def serve(node: ChainStandIn) -> Iterator[str]:
    """Serve node on 127.0.0.1 at a free port; yields its base URL."""
    with serve_answers(lambda _method, path, _body: node.handle(path)) as url:
        yield url
