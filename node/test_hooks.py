"""Crash points for the integration tests, switched on only by environment variables.

LANTAN_TEST_EXIT_AFTER_PRECOMMIT=1: the process ends at once (os._exit, like kill -9)
right after its signer state recording a precommit for a block it has not committed is on
disk, before that precommit is sent (issue 21: a restart must find the locked payload).
Nothing sets these variables outside tests/integration.
"""

import os

from consensus.signer_state import SignedStep, SignerState

EXIT_AFTER_PRECOMMIT_ENV = "LANTAN_TEST_EXIT_AFTER_PRECOMMIT"
EXIT_CODE = 75


def exit_after_precommit_hook(committed_height: int, state: SignerState) -> None:
    """End the process if the hook is on and state records an uncommitted block precommit."""
    if os.environ.get(EXIT_AFTER_PRECOMMIT_ENV) != "1":
        return
    precommitted = state.step is SignedStep.PRECOMMIT and state.block_hash is not None
    if precommitted and state.height > committed_height:
        os._exit(EXIT_CODE)
