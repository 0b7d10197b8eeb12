"""What `lantan audit` reads from nodes over HTTP (the checker itself does no I/O).

A snapshot per node (latest checkpoint, then status: the head covers the checkpoint), the
validator-set preimages, blocks in windows fetched in parallel, and consistency proofs.
Every failure is returned as data, so one broken node never stops the audit of the others.
"""

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from client.api import NodeClient
from client.audit.chain_audit import ServedBlock
from client.errors import NodeError, NodeRejectedError
from protocol.encoding import JsonValue
from protocol.errors import ProtocolError
from protocol.validators import ValidatorSet

FETCH_WORKERS: Final = 8
NOT_FOUND: Final = 404
CHAIN_ID_HEX_LENGTH: Final = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeSnapshot:
    url: str
    height: int | None
    """The node's head from /v1/status; None when it could not be read."""
    checkpoint: str | None
    """Its latest signed checkpoint note; None when it serves none."""
    error: str | None
    """Why the node could not be audited (without its URL, which `url` holds)."""
    chain_id: str | None = None
    """The chain id its /v1/status names (hex)."""
    not_a_node: bool = False
    """It answered, but its /v1/status is not a Lantan node's (error says how)."""
    name: str | None = None
    """The node's name in /v1/status: two URLs of one node answer with the same."""

    def without(self, error: str) -> "NodeSnapshot":
        """This node, left out of the audit for `error`."""
        return NodeSnapshot(
            url=self.url, height=None, checkpoint=None, error=error, chain_id=self.chain_id
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchFailure:
    """A block a node did not serve: missing (404) or the node failed."""

    node: str
    height: int
    missing: bool
    detail: str
    """What went wrong, without the node's URL."""


def take_snapshot(client: NodeClient) -> NodeSnapshot:
    try:
        checkpoint = _optional_text(client, "/v1/checkpoints/latest")
        status = client.status()
    except NodeError as error:
        # The URL is the snapshot's own field: the message need not repeat it.
        detail = str(error).removeprefix(f"{client.url}: ")
        return NodeSnapshot(url=client.url, height=None, checkpoint=None, error=detail)
    height = status.get("height")
    chain = status.get("chain_id")
    problem = None
    if not isinstance(chain, str) or len(chain) != CHAIN_ID_HEX_LENGTH:
        problem = "its /v1/status names no chain_id"
    elif isinstance(height, bool) or not isinstance(height, int) or height < 0:
        problem = "its /v1/status has no height"
    if problem is not None:
        detail = f"answers, but not as a Lantan node: {problem}"
        return NodeSnapshot(
            url=client.url, height=None, checkpoint=None, error=detail, not_a_node=True
        )
    assert isinstance(chain, str) and isinstance(height, int)
    name = status.get("node")
    return NodeSnapshot(
        url=client.url,
        height=height,
        checkpoint=checkpoint,
        error=None,
        chain_id=chain,
        name=name if isinstance(name, str) else None,
    )


def fetch_validator_sets(client: NodeClient) -> list[ValidatorSet] | None:
    """Every set preimage the node lists at /v1/validator-sets; None if it has no such route.

    The auditor trusts none of them: a preimage is used only where its hash is a header's
    next_validators_hash.
    """
    try:
        answer = client.get_json("/v1/validator-sets", strict=True)
    except NodeRejectedError as error:
        if error.status_code == NOT_FOUND:
            return None
        raise
    try:
        changes = answer["changes"]
        sets = [ValidatorSet.from_json(answer["genesis"])]
        sets += [ValidatorSet.from_json(change["next_validators"]) for change in changes]
    except (ProtocolError, KeyError, TypeError):
        return None
    return sets


@dataclass(frozen=True, slots=True)
class BlockFetch:
    """GET /v1/blocks/{h} for every (client, h), running in parallel."""

    jobs: list[tuple[NodeClient, int]]
    futures: "list[Future[ServedBlock | FetchFailure]]"

    def answers(self) -> dict[tuple[str, int], ServedBlock | FetchFailure]:
        """Every answer, by (node URL, height), once all are in."""
        return {
            (client.url, height): future.result()
            for (client, height), future in zip(self.jobs, self.futures, strict=True)
        }

    def cancel(self) -> None:
        """Drop the requests not started yet (the audit stopped before their heights)."""
        for future in self.futures:
            future.cancel()


def fetch_blocks(
    clients: Sequence[NodeClient], heights: range, executor: ThreadPoolExecutor
) -> BlockFetch:
    """Start GET /v1/blocks/{h} for every (client, h) on the executor."""
    jobs = [(client, height) for height in heights for client in clients]
    return BlockFetch(jobs, [executor.submit(_fetch_block, *job) for job in jobs])


def _fetch_block(client: NodeClient, height: int) -> ServedBlock | FetchFailure:
    try:
        answer = client.get_json(f"/v1/blocks/{height}")
    # The finding names the node: its detail is the message without the URL.
    except NodeRejectedError as error:
        missing = error.status_code == NOT_FOUND
        return FetchFailure(node=client.url, height=height, missing=missing, detail=error.message)
    except NodeError as error:
        return FetchFailure(node=client.url, height=height, missing=False, detail=error.message)
    if not isinstance(answer, dict):
        detail = "block answer is not an object"
        return FetchFailure(node=client.url, height=height, missing=False, detail=detail)
    return served_block(client.url, answer)


def served_block(node: str, answer: Mapping[str, JsonValue]) -> ServedBlock:
    """A node's GET /v1/blocks/{h} answer as served; a part it lacks is None (a finding
    later)."""
    return ServedBlock(
        node=node,
        block=answer.get("block"),
        certificate=answer.get("certificate"),
        results=answer.get("results"),
    )


def fetch_consistency(client: NodeClient, first: int, second: int) -> JsonValue | NodeError:
    """GET /v1/proofs/consistency; the error when the node does not serve it (the finding
    says why: a 404, an answer that is not strict JSON, ...)."""
    try:
        # Strict: a duplicate "hashes" member read as the last one here and the first in
        # another auditor's tool (stop 56's JS auditor); a proof answer is small.
        answer: JsonValue = client.get_json(
            "/v1/proofs/consistency",
            params={"first": str(first), "second": str(second)},
            strict=True,
        )
    except NodeError as error:
        return error
    return answer


def _optional_text(client: NodeClient, path: str) -> str | None:
    try:
        return client.get_text(path)
    except NodeRejectedError as error:
        if error.status_code == NOT_FOUND:
            return None
        raise
