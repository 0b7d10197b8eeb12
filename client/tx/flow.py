"""The steps of sending a tx, without argparse: header, local checks, submit, wait.

The order matters: everything that can be checked locally (body, signatures, expiry) is
checked before the first byte goes to a node, so a mistake costs nobody a nonce.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from client.api import TxStatus
from client.errors import TxInputError, UsageError
from client.genesis_file import GenesisFile
from client.node_pool import NodePool, SubmitOutcome
from client.tx.body import tx_type_of, validate_body
from client.tx.signing_keys import UnlockedKey
from contracts.reasons import AdmissionReason
from protocol.encoding import JsonObject
from protocol.errors import ProtocolError
from protocol.fields import parse_hex
from protocol.hashing import HASH_SIZE, Hash32
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx, verify_tx_signatures

EXPIRES_IN_MS_DEFAULT: Final = 10 * 60 * 1000
EXPIRES_IN_MS_MAX: Final = 30 * 24 * 60 * 60 * 1000
"""The longest lifetime the CLI gives a tx: 30 days, room for every party of a multi-party tx
to sign. The protocol takes any expiry, but a signed tx can be submitted by whoever holds a
copy until it expires or its nonce is used, so its lifetime is kept to what a workflow needs."""
DAY_MS: Final = 24 * 60 * 60 * 1000


def expiry_text(expires_at_ms: int, now: int) -> str:
    """When a tx expires, for a person: `2026-12-07 21:10:00 UTC, in 9 min` (or `expired 3
    min ago`, or `in 285,616 years`). A co-signer read the raw number and signed a tx that
    never expires (stop 55's hostile pass)."""
    left = expires_at_ms - now
    seconds = abs(left) // 1000
    if seconds < 3600:
        span = f"{seconds // 60} min"
    elif seconds < DAY_MS // 1000:
        span = f"{seconds // 3600} h"
    elif seconds < 365 * DAY_MS // 1000:
        span = f"{seconds * 1000 // DAY_MS} days"
    else:
        span = f"{seconds * 1000 // (365 * DAY_MS):,} years"
    relative = f"in {span}" if left >= 0 else f"expired {span} ago"
    try:
        moment = datetime.fromtimestamp(expires_at_ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):  # past year 9999
        return relative
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC, {relative}"


def outlives_the_cap(expires_at_ms: int, now: int) -> bool:
    """Whether a tx lives longer than EXPIRES_IN_MS_MAX from now: whoever holds a copy can
    submit it until then, so `tx sign` warns before it adds a signature."""
    return expires_at_ms - now > EXPIRES_IN_MS_MAX


TIMEOUT_MS_DEFAULT: Final = 30_000
TIMEOUT_MS_MAX: Final = 24 * 60 * 60 * 1000
"""A day: a longer wait for one commit is a mistyped number (--no-wait does not wait)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TxOutcome:
    """What happened to a submitted tx: who took it, and its status when we stopped waiting."""

    submit: SubmitOutcome
    status: TxStatus | None
    """None when the caller did not wait."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def resolve_chain_id(genesis: GenesisFile | None, pool: NodePool) -> Hash32:
    """From the genesis file when given (trusting no node), else from the first node."""
    if genesis is not None:
        return genesis.chain_id
    reported = pool.chain_id()
    try:
        return Hash32(parse_hex(reported, "chain_id", size=HASH_SIZE))
    except ProtocolError as error:
        raise UsageError(f"the node reports a malformed chain_id: {error}") from None


def parse_public_key(text: str) -> PublicKey:
    try:
        return PublicKey(parse_hex(text, "--sender", size=PUBLIC_KEY_SIZE))
    except ProtocolError as error:
        raise UsageError(str(error)) from None


def build_tx(
    *,
    tx_type: str,
    body: JsonObject,
    sender: PublicKey,
    nonce: int,
    chain_id: Hash32,
    expires_at_ms: int,
) -> UnsignedTx:
    """The unsigned tx, after checking its body as the node will."""
    validate_body(tx_type_of(tx_type), body)
    if nonce < 1:
        raise UsageError(f"--nonce {nonce}: nonces start at 1")
    return UnsignedTx(
        chain_id=chain_id,
        protocol_version=PROTOCOL_VERSION,
        type=tx_type,
        sender=sender,
        nonce=nonce,
        expires_at_ms=expires_at_ms,
        body=body,
    )


def sign_with(tx: UnsignedTx | SignedTx, keys: Sequence[UnlockedKey]) -> SignedTx:
    """Add each key's signature (one per key; signing again replaces the old one)."""
    signed = tx if isinstance(tx, SignedTx) else SignedTx(tx=tx, signatures=())
    for unlocked in keys:
        signed = sign_tx(signed, unlocked.key)
    return signed


def check_before_submit(signed: SignedTx, *, at_ms: int) -> None:
    """The admission checks a client can make alone; raises TxInputError with the reason."""
    validate_body(tx_type_of(signed.tx.type), signed.tx.body)
    if signed.tx.sender not in signed.signers:
        raise TxInputError(
            AdmissionReason.MISSING_SIGNATURE.value,
            "the sender has not signed: `lantan tx sign FILE --key SENDER_DIR`",
        )
    try:
        verify_tx_signatures(signed)
    except ProtocolError as error:
        raise TxInputError(AdmissionReason.BAD_SIGNATURE.value, str(error)) from None
    if signed.tx.expires_at_ms < at_ms:
        raise TxInputError(
            AdmissionReason.EXPIRED.value,
            f"expired {at_ms - signed.tx.expires_at_ms} ms ago; build it again",
        )


def submit_tx(pool: NodePool, signed: SignedTx, *, wait: bool, timeout_ms: int) -> TxOutcome:
    """Submit to every node; when wait, poll until final or timeout_ms passes."""
    tx_id = signed.tx_id.hex()
    submitted = pool.submit(signed.to_json(), tx_id)
    if not wait:
        return TxOutcome(submit=submitted, status=None)
    status = pool.wait_for_tx(tx_id, timeout_ms=timeout_ms, prefer=submitted.accepted_by[0])
    return TxOutcome(submit=submitted, status=status)
