"""The payload invariant, checked after every simulation step (issue 21).

Every honest replica's locked and valid block must be obtainable: held by that replica
(in memory, or persisted beside its signer state if it is down) or held by some live
honest replica that can serve it on a BlockRequest. A lock on bytes that exist nowhere
stalls the chain for good: the locked replicas prevote nil on every other proposal and
nobody can re-propose the locked one (docs/adr/0010-persist-locked-payload.md).
"""

from collections.abc import Collection
from typing import Protocol

from consensus import ReplicaState, SignerState, held_blocks
from protocol.hashing import Hash32
from tests.simulation.safety import SafetyViolationError, Violation


class PayloadHolder(Protocol):
    name: str
    honest: bool
    persisted: SignerState
    persisted_payloads: dict[Hash32, bytes]
    state: ReplicaState | None


def check_payloads_obtainable(replicas: Collection[PayloadHolder]) -> None:
    """Raise SafetyViolationError("payload-lost") when a lock or valid value is unobtainable."""
    honest = [r for r in replicas if r.honest]
    served: set[Hash32] = set()
    for replica in honest:
        if replica.state is not None:
            served.update(replica.state.blocks)
            served.update(replica.persisted_payloads)
    for replica in honest:
        signer = replica.persisted if replica.state is None else replica.state.signer
        own = set(replica.persisted_payloads)
        if replica.state is not None:
            own.update(replica.state.blocks)
        for block in held_blocks(signer):
            if block not in own and block not in served:
                raise SafetyViolationError(
                    Violation(
                        "payload-lost",
                        f"{replica.name} locks on or holds as valid {block.hex()[:12]}, "
                        "a payload no replica holds",
                    )
                )
