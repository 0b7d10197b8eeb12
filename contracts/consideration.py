"""credits.transfer_priced: a transfer that records its price (ADR 0031). Pure.

The credits move by credits.transfer's one rule (contracts/transfer.py), with its refusals
and its broker co-signature; then `consideration/<tx_id>` records the price, the currency,
the agreement's hash and the total in fen. Nothing here moves money.
"""

from contracts.consideration_records import (
    TOTAL_FEN_MAX,
    Consideration,
    CreditsTransferPricedBody,
    total_fen,
)
from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.state_keys import consideration_key
from contracts.store import save
from contracts.transfer import apply_credits_transfer
from protocol.codec import copy_fields


def apply_credits_transfer_priced(env: TxEnv, body: CreditsTransferPricedBody) -> None:
    total = total_fen(body.quantity_kg, body.unit_price_fen_per_t)
    if total > TOTAL_FEN_MAX:
        raise TxRejectedError(RejectReason.CONSIDERATION_TOO_LARGE, f"{total} fen")
    apply_credits_transfer(env, body)
    record = copy_fields(
        Consideration, body, tx_id=env.tx_id, total_fen=total, height=env.ctx.height
    )
    save(env.state, consideration_key(env.tx_id), record)
