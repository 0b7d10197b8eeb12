"""apply_block: execute a block's txs on an overlay of the state (DESIGN.md §2, §5). Pure.

Order within a block: promote the validator set chosen for this height, record the
block's evidence, then for each tx: admission again (a failure invalidates the block),
advance the sender's nonce, run the handler on a child overlay, and merge the child only
when the tx is accepted. A rejected tx therefore changes nothing but the sender's nonce.
"""

from collections.abc import Callable, Sequence
from typing import Any

from contracts.accounts import apply_account_open
from contracts.admission import VerifySignature, admit_signed_tx
from contracts.announcements import apply_node_announce
from contracts.attestation import apply_verification_attest
from contracts.auctions import (
    apply_auction_bid,
    apply_auction_open,
    apply_auction_reveal,
    apply_auction_settle,
)
from contracts.cancellation import apply_credits_cancel
from contracts.case_lifecycle import apply_case_close, apply_case_judgment
from contracts.cases import apply_case_register
from contracts.claim_decisions import apply_insurance_claim_decide
from contracts.consideration import apply_credits_transfer_priced
from contracts.context import BlockContext, TxEnv
from contracts.errors import AdmissionError, InvalidBlockError, TxRejectedError
from contracts.evidence import record_evidence
from contracts.freezing import apply_credits_freeze, apply_credits_unfreeze
from contracts.governance import (
    apply_institution_register,
    apply_key_register,
    apply_validators_update,
)
from contracts.insurance import apply_insurance_attest
from contracts.issuance import (
    apply_credits_issue,
    apply_project_register,
    apply_verification_record,
)
from contracts.key_changes import apply_key_revoke, apply_key_rotate
from contracts.links import apply_batch_link
from contracts.pledges import (
    apply_credits_pledge,
    apply_credits_pledge_enforce,
    apply_credits_pledge_release,
)
from contracts.records import NonceRecord
from contracts.retirement import apply_credits_retire, apply_credits_retire_judicial
from contracts.reversal import apply_insurance_claim, apply_reversal_report
from contracts.role_changes import apply_role_grant, apply_role_revoke
from contracts.state import StateOverlay, StateView
from contracts.state_keys import nonce_key
from contracts.store import save
from contracts.tenure import apply_project_tenure, apply_project_tenure_release
from contracts.transfer import apply_credits_transfer
from contracts.tx_types import TxBody, TxType
from contracts.validator_sets import promote_next_validator_set
from protocol.evidence import Evidence
from protocol.results import TxResult, TxStatus
from protocol.signing import verify_signature
from protocol.tx import SignedTx

StateWrites = dict[str, bytes | None]
"""Key -> new value (None deletes), in sorted key order."""

TxChanges = dict[str, tuple[bytes | None, bytes | None]]
"""What one tx of a block changed: key -> (value before the tx, value after; None: absent)."""

HANDLERS: dict[TxType, Callable[[TxEnv, Any], None]] = {
    TxType.INSTITUTION_REGISTER: apply_institution_register,
    TxType.KEY_REGISTER: apply_key_register,
    TxType.VALIDATORS_UPDATE: apply_validators_update,
    TxType.ACCOUNT_OPEN: apply_account_open,
    TxType.PROJECT_REGISTER: apply_project_register,
    TxType.VERIFICATION_RECORD: apply_verification_record,
    TxType.CREDITS_ISSUE: apply_credits_issue,
    TxType.CREDITS_TRANSFER: apply_credits_transfer,
    TxType.CREDITS_RETIRE: apply_credits_retire,
    TxType.CASE_REGISTER: apply_case_register,
    TxType.CREDITS_RETIRE_JUDICIAL: apply_credits_retire_judicial,
    TxType.CREDITS_FREEZE: apply_credits_freeze,
    TxType.CREDITS_UNFREEZE: apply_credits_unfreeze,
    TxType.CREDITS_CANCEL: apply_credits_cancel,
    TxType.INSURANCE_ATTEST: apply_insurance_attest,
    TxType.ROLE_GRANT: apply_role_grant,
    TxType.ROLE_REVOKE: apply_role_revoke,
    TxType.KEY_ROTATE: apply_key_rotate,
    TxType.KEY_REVOKE: apply_key_revoke,
    TxType.NODE_ANNOUNCE: apply_node_announce,
    TxType.VERIFICATION_ATTEST: apply_verification_attest,
    TxType.PROJECT_TENURE: apply_project_tenure,
    TxType.PROJECT_TENURE_RELEASE: apply_project_tenure_release,
    TxType.BATCH_LINK: apply_batch_link,
    TxType.CASE_JUDGMENT: apply_case_judgment,
    TxType.CASE_CLOSE: apply_case_close,
    TxType.CREDITS_TRANSFER_PRICED: apply_credits_transfer_priced,
    TxType.REVERSAL_REPORT: apply_reversal_report,
    TxType.INSURANCE_CLAIM: apply_insurance_claim,
    TxType.CREDITS_PLEDGE: apply_credits_pledge,
    TxType.CREDITS_PLEDGE_RELEASE: apply_credits_pledge_release,
    TxType.CREDITS_PLEDGE_ENFORCE: apply_credits_pledge_enforce,
    TxType.AUCTION_OPEN: apply_auction_open,
    TxType.AUCTION_BID: apply_auction_bid,
    TxType.AUCTION_REVEAL: apply_auction_reveal,
    TxType.AUCTION_SETTLE: apply_auction_settle,
    TxType.INSURANCE_CLAIM_DECIDE: apply_insurance_claim_decide,
}


def apply_block(
    state: StateView,
    ctx: BlockContext,
    txs: Sequence[SignedTx],
    evidence: Sequence[Evidence] = (),
    *,
    verify: VerifySignature = verify_signature,
    tx_changes: list[TxChanges] | None = None,
) -> tuple[StateWrites, tuple[TxResult, ...]]:
    """The writes and per-tx results of executing a block on state.

    Requires a state built from genesis_state. Raises InvalidBlockError when a tx is
    inadmissible at ctx (chain, time, nonces as of its position) or evidence is invalid.
    When tx_changes is a list, each tx's changes are appended to it in block order.
    Callers outside contracts/ execute blocks through contracts/transition.py.
    """
    assert ctx.height >= 1, ctx
    overlay = StateOverlay(state)
    promote_next_validator_set(overlay)
    for item in evidence:
        record_evidence(overlay, item, ctx, verify)
    results = []
    for index, signed in enumerate(txs):
        if tx_changes is None:
            results.append(apply_tx(overlay, ctx, signed, index, verify))
            continue
        # Traced (the web's serial history): the tx runs on its own overlay, so what it
        # changed can be read off before it is merged. The writes are the same.
        tx_overlay = overlay.child()
        results.append(apply_tx(tx_overlay, ctx, signed, index, verify))
        written = tx_overlay.writes()
        tx_changes.append({key: (overlay.get(key), value) for key, value in written.items()})
        overlay.merge(tx_overlay)
    return overlay.writes(), tuple(results)


def apply_tx(
    overlay: StateOverlay,
    ctx: BlockContext,
    signed: SignedTx,
    index: int,
    verify: VerifySignature = verify_signature,
) -> TxResult:
    """Admit, then execute one tx of a block on overlay; only an accepted tx's writes stay."""
    try:
        body = admit_signed_tx(overlay, signed, ctx.time_ms, ctx.chain_id, verify=verify)
    except AdmissionError as error:
        raise InvalidBlockError(index, error.reason.value, error.detail) from None
    tx_id = signed.tx_id
    # The nonce advances outside the child overlay: a rejected tx still consumes it.
    sender = signed.tx.sender
    save(overlay, nonce_key(sender), NonceRecord(public_key=sender, nonce=signed.tx.nonce))
    child = overlay.child()
    env = TxEnv(state=child, ctx=ctx, tx=signed, tx_id=tx_id)
    try:
        HANDLERS[TxType(signed.tx.type)](env, body)
    except TxRejectedError as rejected:
        return TxResult(tx_id=tx_id, status=TxStatus.REJECTED, reason=rejected.reason.value)
    overlay.merge(child)
    return TxResult(tx_id=tx_id, status=TxStatus.ACCEPTED, reason=None)


COSIGNED_TX_TYPES = frozenset(
    {
        TxType.INSTITUTION_REGISTER,
        TxType.KEY_REGISTER,
        TxType.VALIDATORS_UPDATE,
        TxType.CREDITS_CANCEL,
        TxType.CREDITS_TRANSFER,
        TxType.CREDITS_RETIRE_JUDICIAL,
        TxType.ROLE_GRANT,
        TxType.ROLE_REVOKE,
        TxType.KEY_ROTATE,
        TxType.KEY_REVOKE,
        TxType.CREDITS_TRANSFER_PRICED,
        TxType.CREDITS_PLEDGE,
        TxType.CREDITS_PLEDGE_ENFORCE,
        TxType.AUCTION_OPEN,
    }
)
"""The types whose handlers require signatures beyond the sender's (validator quorum,
broker, court): only these can be stripped into a copy that commits as rejected, so only
these are previewed at intake. tests/unit/contracts keeps the set in step with HANDLERS."""


def preview_tx(state: StateView, ctx: BlockContext, signed: SignedTx, body: TxBody) -> TxResult:
    """What executing an admitted tx first in a block at ctx would answer; writes nothing.

    Node intake uses it to refuse a tx the contracts would reject for a missing
    co-signature (contracts.reasons.COSIGNATURE_MISSING); block validity never does.
    """
    overlay = StateOverlay(state)
    promote_next_validator_set(overlay)
    env = TxEnv(state=overlay.child(), ctx=ctx, tx=signed, tx_id=signed.tx_id)
    try:
        HANDLERS[TxType(signed.tx.type)](env, body)
    except TxRejectedError as rejected:
        return TxResult(tx_id=signed.tx_id, status=TxStatus.REJECTED, reason=rejected.reason.value)
    return TxResult(tx_id=signed.tx_id, status=TxStatus.ACCEPTED, reason=None)
