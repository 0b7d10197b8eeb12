"""The node's start-up check: re-verify the stored head before serving or voting.

A data directory restored from a bad backup, edited by hand or written by a buggy build
would otherwise be served as if it were the chain. Before anything starts the node checks
its head: the commit certificate verifies under the set that certified it, the header's
state_root is the SMT root stored for that height, and the head links to the header
below it (prev_hash, history_root). On a mismatch it logs why and exits non-zero.

LANTAN_TEST_SKIP_STARTUP_CHECK=1 skips the check. It exists ONLY so the audit tests can
serve deliberately forged chains (docs/OPERATIONS.md); never set it in production.
"""

import logging
import os
from collections.abc import Mapping

from contracts.validator_sets import current_validator_set
from node.ledger import Ledger
from protocol.certificate_check import verify_certificate
from protocol.encoding import decode
from protocol.errors import ProtocolError
from protocol.log import MerkleLog
from protocol.smt import SparseMerkleTree
from protocol.votes import CommitCertificate

SKIP_ENV = "LANTAN_TEST_SKIP_STARTUP_CHECK"
EXIT_STARTUP_CHECK = 3
log = logging.getLogger("lantan.node")


class StartupCheckError(Exception):
    """The stored head does not verify; the message says which check failed."""


def check_head(ledger: Ledger) -> None:
    """Raise StartupCheckError unless the head block verifies against the store."""
    head = ledger.head()
    if head.height == 0:
        return  # Ledger() already compared the stored genesis header with genesis.json.
    raw = ledger.store.get_certificate(head.height)
    if raw is None:
        raise StartupCheckError(f"head {head.height} has no commit certificate")
    try:
        certificate = CommitCertificate.from_json(decode(raw))
        if (certificate.height, certificate.block_hash) != (head.height, head.block_hash()):
            raise StartupCheckError(f"the certificate of head {head.height} is for another block")
        # After the head block, validators/current is the set that certified it.
        validators = current_validator_set(ledger.store.state)
        verify_certificate(certificate, ledger.chain_id, validators)
    except ProtocolError as error:
        raise StartupCheckError(f"certificate of head {head.height}: {error}") from None
    stored_root = SparseMerkleTree(ledger.store.smt).root(head.height)
    if stored_root != head.state_root:
        raise StartupCheckError(
            f"head {head.height} state_root {head.state_root.hex()} != stored SMT root "
            f"{stored_root.hex()}"
        )
    previous = ledger.header(head.height - 1)
    if previous is None or head.prev_hash != previous.block_hash():
        raise StartupCheckError(f"head {head.height} does not link to header {head.height - 1}")
    if head.history_root != MerkleLog(ledger.store.log).root(head.height):
        raise StartupCheckError(f"head {head.height} history_root differs from the stored log")


def run_startup_check(ledger: Ledger, environ: Mapping[str, str] = os.environ) -> None:
    """check_head, or exit the process with EXIT_STARTUP_CHECK; skipped (loudly) when
    the test-only SKIP_ENV is "1"."""
    if environ.get(SKIP_ENV) == "1":
        log.warning("%s=1: start-up check of the head SKIPPED (test-only setting)", SKIP_ENV)
        return
    try:
        check_head(ledger)
    except (StartupCheckError, LookupError) as error:
        log.critical("refusing to start: the stored chain does not verify: %s", error)
        ledger.store.close()
        raise SystemExit(EXIT_STARTUP_CHECK) from None
