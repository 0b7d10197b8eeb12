"""Which validator nodes a witness follows besides those named at start (ADR 0025).

With `lantan witness --learn-validators`, before each round the witness reads the current
validator set from the first node that answers and, for each key, the address that key
announced on chain (node.announce, ADR 0023). Those nodes are then read and posted to like
the ones named at start, so a validator added by validators.update gets the witness's
cosignatures (its receipts wait for them) without a restart. The addresses are read from
a node without proof: a lying node can only make the witness read checkpoints elsewhere,
and every checkpoint is checked before it is cosigned (client/witness/check.py). I/O.
"""

from collections.abc import Sequence
from typing import Final

from client.api import NodeClient
from client.errors import NodeError, NodeResponseError
from client.witness.announce import node_address_of
from protocol.encoding import JsonValue
from protocol.errors import ProtocolError
from protocol.fields import parse_hex
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey

LEARNED_MAX: Final = 32
"""At most this many learned nodes (a validator set of that size is far beyond ours)."""


def announced_validator_urls(nodes: Sequence[NodeClient]) -> list[str] | None:
    """The announced addresses of the current validator set's keys, in set order, from the
    first node that answers; None when no node answered (keep what was learned before)."""
    for node in nodes:
        try:
            return _read_urls(node)
        except NodeError:
            continue
    return None


def _read_urls(node: NodeClient) -> list[str]:
    validators = node.status().get("validators")
    try:
        if not isinstance(validators, list):
            raise TypeError("not a list")
        keys = [_key(validator) for validator in validators]
    except (TypeError, ProtocolError) as error:
        raise NodeResponseError(node.url, f"status validators: {error}") from None
    urls: list[str] = []
    for key in keys[:LEARNED_MAX]:
        announced = node_address_of(node, key)
        if announced is not None and announced[0] not in urls:
            urls.append(announced[0])
    return urls


def _key(validator: JsonValue) -> PublicKey:
    if not isinstance(validator, dict):
        raise TypeError("a validator is an object")
    return PublicKey(parse_hex(validator.get("public_key"), "public_key", size=PUBLIC_KEY_SIZE))


class LearnedNodes:
    """The nodes named at start, plus a client per announced validator address not among
    them; learned clients whose address left the set's announcements are closed."""

    def __init__(self, named: Sequence[NodeClient]) -> None:
        self._named = tuple(named)
        self._learned: dict[str, NodeClient] = {}

    @property
    def nodes(self) -> list[NodeClient]:
        return [*self._named, *self._learned.values()]

    def update(self, urls: Sequence[str]) -> list[str]:
        """Follow urls; returns the newly followed ones (to tell the operator)."""
        named = {node.url for node in self._named}
        wanted = [url for url in urls if url not in named][:LEARNED_MAX]
        for url in [u for u in self._learned if u not in wanted]:
            self._learned.pop(url).close()
        added = [url for url in wanted if url not in self._learned]
        for url in added:
            self._learned[url] = NodeClient(url)
        return added

    def close(self) -> None:
        for node in self._learned.values():
            node.close()
        self._learned.clear()
