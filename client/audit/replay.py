"""The auditor's replay: the chain re-executed from a genesis file in memory. Pure: no I/O.

Execution and the state tree are contracts/replay.py's ChainReplay (the same transition
the node validates with, contracts/transition.py); this module only starts it from a
parsed genesis and checks that the genesis header commits to the genesis state.
"""

from contracts.replay import ChainReplay, Execution
from genesis.document import Genesis
from protocol.signing import VerifySignature, verify_signature

__all__ = ["Execution", "ReplayState"]


class ReplayState(ChainReplay):
    """A ChainReplay from genesis that checks signatures and keeps the state tree."""

    def __init__(self, genesis: Genesis, *, verify: VerifySignature = verify_signature) -> None:
        super().__init__(genesis.chain_id, genesis.state, verify=verify)
        root = self.genesis_state_root
        assert root == genesis.header.state_root, "genesis header does not commit to its state"
