"""Which of a validator's keys its replica signs with, across a rotation (ADR 0022).

At every height it starts, the node signs with the key the height's set holds (the swap
logged, the transport sealing with it from then on); once a commit rotated its key out of
the next set, it reads the keystores again, for a pending key the operator wrote after the
node started. node/runtime.py gives a swapped key to the engine.
"""

import logging
from collections.abc import Callable

from node.runtime_settings import RunInWorker
from node.transport import PeerTransport
from node.validator_keys import ValidatorKeys
from protocol.signing import SigningKey
from protocol.validators import ValidatorSet

log = logging.getLogger("lantan.runtime")


class SigningKeys:
    """The key that signs the height being decided, and the keys it is chosen from."""

    def __init__(
        self,
        key: SigningKey,
        keys: ValidatorKeys | None,
        reload_keys: Callable[[], ValidatorKeys] | None,
        transport: PeerTransport,
    ) -> None:
        self.key = key
        self.keys = keys or ValidatorKeys((key,))
        """key is the one of keys that signs the height being decided (ADR 0022)."""
        self.reload_keys = reload_keys
        """Reads the keystores again: a pending key written while the node runs."""
        self.transport = transport

    async def reload_if_rotated(
        self, deciding: ValidatorSet, following: ValidatorSet, run_in_worker: RunInWorker
    ) -> None:
        """Read the keystores again (on the worker) once key was rotated out of following,
        the next height's set (ValidatorKeys.rotated_out)."""
        if self.reload_keys is None:
            return
        if not self.keys.rotated_out(self.key.public_key, deciding, following):
            return
        try:
            self.keys = await run_in_worker(self.reload_keys)
        except Exception as error:
            log.error("cannot read the pending keystore: %s", error)

    def adopt_for(self, validators: ValidatorSet, height: int) -> SigningKey | None:
        """Sign from height on with the key validators holds: that key when it is a swap
        (the transport seals with it from now on), None when key signs already.

        The signer state is the node's and carries over: its heights only grow, so the old
        key signs nothing at or above the swap height and the new key nothing below it.
        """
        key = self.keys.for_set(validators)
        if key.public_key == self.key.public_key:
            return None
        log.warning(
            "validator key rotated: signing with %s from height %d (was %s)",
            key.public_key.hex()[:16],
            height,
            self.key.public_key.hex()[:16],
        )
        self.key = key
        self.transport.use_key(key)
        return key
