"""Who a tx needs to sign, as far as its type and body tell (h57 F11).

A signature nobody needs still goes on the chain with the tx: a court's key on a private
transfer reads as if the court approved it. `tx sign` warns before adding one, `tx show`
names each signer's part, and `tx submit` names the party a missing co-signature is of.
The contracts decide (contracts/transfer.py, consideration.py, pledges.py, auctions.py);
this only reads the body fields they take the co-signing institution from.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from contracts.execution import COSIGNED_TX_TYPES
from contracts.tx_types import TxType
from protocol.tx import SignedTx

NAMED_COSIGNERS: Final[Mapping[str, tuple[str, ...]]] = {
    "credits.transfer": ("broker",),
    "credits.transfer_priced": ("broker",),
    "credits.pledge": ("lender",),
    "auction.open": ("operator",),
}
"""Co-signed types whose co-signers the body names by institution id. The other types of
COSIGNED_TX_TYPES need parties the body does not name (a case's court, a pledge's lender,
a validator quorum, a key's holder): for them the client cannot tell who is needed."""

MISSING_REASONS: Final[Mapping[str, str]] = {
    "broker_signature_missing": "broker",
    "lender_signature_missing": "lender",
    "operator_signature_missing": "operator",
    "enforcer_signature_missing": "enforcer",
}
"""A node's missing co-signature reason -> the body field naming that party, when it has one."""


@dataclass(frozen=True, slots=True)
class Party:
    """An institution a tx needs as a co-signer, and the part it takes ("broker")."""

    part: str
    institution_id: str


def needed_cosigners(signed: SignedTx) -> tuple[Party, ...] | None:
    """The co-signers the tx needs besides its sender: () when the sender alone signs;
    None when the body does not say (NAMED_COSIGNERS)."""
    tx_type = signed.tx.type
    if TxType(tx_type) not in COSIGNED_TX_TYPES:
        return ()
    fields = NAMED_COSIGNERS.get(tx_type)
    if fields is None:
        return None
    body = signed.tx.body
    return tuple(
        Party(field, value) for field in fields if isinstance(value := body.get(field), str)
    )


def parties_text(signed: SignedTx, cosigners: tuple[Party, ...]) -> str:
    """ "sender 1a2b3c4d5e6f7a8b…, broker ningbo-ptc"."""
    parts = [f"sender {signed.tx.sender.hex()[:16]}…"]
    parts += [f"{p.part} {p.institution_id}" for p in cosigners]
    return ", ".join(parts)


def unneeded_signer_warning(signed: SignedTx, name: str, is_sender: bool) -> str | None:
    """The warning for signing as institution or keystore `name`, when the tx needs no
    signature of it; None when it may be needed or the body does not say."""
    cosigners = needed_cosigners(signed)
    if is_sender or cosigners is None or name in {p.institution_id for p in cosigners}:
        return None
    return (
        f"warning: {name} is not a party this {signed.tx.type} needs"
        f" ({parties_text(signed, cosigners)}); its signature would go on the chain with the"
        " tx, where readers may take it for its approval"
    )


def missing_party_text(reason: str, signed: SignedTx) -> str | None:
    """ "the broker ningbo-ptc" for a node's broker_signature_missing; None when the body
    names no such party."""
    field = MISSING_REASONS.get(reason)
    value = None if field is None else signed.tx.body.get(field)
    return f"the {field} {value}" if isinstance(value, str) else None
