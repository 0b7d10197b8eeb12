"""A proposal ahead of this node's clock, validated again once the clock has caught up
(ADR 0040; BlockActions decides the wait): the timer, and the validation queued when due.
The timer holds no payload: the engine holds the block while its height lasts.
"""

import asyncio
from collections.abc import Callable
from dataclasses import replace

from consensus import ReplicaState, ValidateProposal
from node.runtime_items import Deferred, RuntimeItem


def validate_later(
    action: ValidateProposal,
    wait_ms: int,
    replica: Callable[[], ReplicaState | None],
    queue: Callable[[RuntimeItem], None],
) -> None:
    """In wait_ms (at least 1), queue the validation with the payload the engine holds then
    (replica()); dropped if the engine no longer holds the block (its height is over)."""
    loop = asyncio.get_running_loop()
    later = replace(action, payload=b"")
    loop.call_later(max(wait_ms, 1) / 1000, queue_if_held, later, replica, queue)


def queue_if_held(
    action: ValidateProposal,
    replica: Callable[[], ReplicaState | None],
    queue: Callable[[RuntimeItem], None],
) -> None:
    """The validation queued with the payload the engine holds, if it still holds it."""
    held = replica()
    if held is None or held.height != action.height:
        return
    payload = held.blocks.get(action.block_hash)
    if payload is not None:
        queue(Deferred(replace(action, payload=payload)))
