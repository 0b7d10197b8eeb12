"""A signed tx's envelope decoded in C where that provably gives the typed value of the
reference, SignedTx.from_json (protocol/codec.py); the reference decides the rest. Pure.

Issue 13: the typed read of a submitted tx (contracts/admission.py parse_signed_value) was
9 % of a validator's GIL-held py-spy samples under `lantan bench`. msgspec checks an
envelope's shape in one C call: exact field sets (no unknown field, none missing), integers
in range (bool is not an integer), the length of a string and of each hex field. Python
then only turns hex into bytes and builds the frozen types. The unsigned tx's JCS bytes
(its id and what every signature signs) are encoded from the JSON object the tx was read
from: that object is, value for value, the to_json() of the tx read from it.

Whenever msgspec refuses a value, or anything is not as protocol.encoding.decode gives it
(a subclass, a tuple for an array, a mapping that is not a dict, which msgspec would
take), this returns None and the caller runs the reference over the same JSON, which
raises exactly today's typed error (ADR 0011) or returns the value. So the fast path never
decides an error; tests/property/test_tx_decode.py holds both paths to the same value or
the same error on generated valid, mutated and re-typed envelopes.
"""

from typing import Annotated, Any, cast

import msgspec
from msgspec import Meta

from protocol.encoding import (
    INTEGER_MAGNITUDE_LIMIT,
    encode_in_c,
    encode_in_c_domain,
    in_c_domain,
)
from protocol.errors import ProtocolError
from protocol.fields import parse_hex
from protocol.hashing import HASH_SIZE, Hash32
from protocol.signing import PUBLIC_KEY_SIZE, SIGNATURE_SIZE, PublicKey
from protocol.tx import (
    COSIGNATURES_MAX,
    SignedTx,
    TxSignature,
    UnsignedTx,
    signature_canonical,
    signed_canonical,
    signers_problem,
)

_Natural = Annotated[int, Meta(ge=0, lt=INTEGER_MAGNITUDE_LIMIT)]


def _hex_of(size: int) -> Any:
    """A string of 2 x size characters; that it is lowercase hex is checked on reading it."""
    return Annotated[str, Meta(min_length=2 * size, max_length=2 * size)]


class _Signature(msgspec.Struct, forbid_unknown_fields=True):
    public_key: _hex_of(PUBLIC_KEY_SIZE)  # type: ignore[valid-type]
    signature: _hex_of(SIGNATURE_SIZE)  # type: ignore[valid-type]


class _Unsigned(msgspec.Struct, forbid_unknown_fields=True):
    chain_id: _hex_of(HASH_SIZE)  # type: ignore[valid-type]
    protocol_version: _Natural
    type: Annotated[str, Meta(max_length=64)]
    sender: _hex_of(PUBLIC_KEY_SIZE)  # type: ignore[valid-type]
    nonce: Annotated[int, Meta(ge=1, lt=INTEGER_MAGNITUDE_LIMIT)]
    expires_at_ms: _Natural
    body: Any
    """Any: the very object the reference keeps (that it is a dict is checked below)."""


class _Signed(msgspec.Struct, forbid_unknown_fields=True):
    tx: _Unsigned
    signatures: Annotated[list[_Signature], Meta(max_length=COSIGNATURES_MAX)]


class _Batch(msgspec.Struct, forbid_unknown_fields=True):
    txs: list[_Signed]


_BATCH = msgspec.json.Decoder(_Batch)


def signed_tx_fast(value: object, *, in_c_domain: bool = False) -> SignedTx | None:
    """The signed tx of a decoded JSON envelope as the reference reads it, or None where
    this path cannot tell (the reference then reads it, and names any error).

    in_c_domain: value is a part of what protocol.encoding.decode_noting_domain read in C,
    unchanged since (so its tx is encoded without walking it again)."""
    # msgspec reads any mapping as an object; the reference takes only a dict.
    if type(value) is not dict:
        return None
    try:
        envelope = msgspec.convert(value, _Signed)
    except Exception:  # a refusal, or a lone surrogate (UnicodeEncodeError): the reference's
        return None  # to name; msgspec.convert has no side effect to undo
    raw_tx, raw_signatures = value["tx"], value["signatures"]
    # None unless raw_tx holds only exact JSON types: then it equals to_json() of the tx.
    # What the C decoder read holds only those, and lies in the C encoder's domain.
    canonical = encode_in_c_domain(raw_tx) if in_c_domain else encode_in_c(raw_tx)
    if canonical is None or type(raw_signatures) is not list:
        return None
    if any(type(entry) is not dict for entry in raw_signatures):
        return None
    return _signed_tx(envelope, canonical)


def signed_batch_fast(data: bytes) -> list[SignedTx] | None:
    """The signed txs of a batch body, JCS({"txs": [signed tx, ...]}), each as the
    reference reads it from the body's decode, or None where this path cannot tell (the
    caller then decodes the body and reads each tx on its own, and the reference names
    every error, tx by tx).

    Decoded in C straight into the envelopes' shape: the strict canonical check of
    protocol/encoding.py (decode in C, re-encode in C, compare the bytes) needs its domain
    walk only over the free-form bodies, since the shape admits nothing else outside them,
    and each tx is read without a JSON object in between."""
    try:
        batch = _BATCH.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    # A body sits at depth 4 of the document: {"txs": [{"tx": {"body": ...}}]}.
    if not all(type(e.tx.body) is dict and in_c_domain(e.tx.body, 4) for e in batch.txs):
        return None
    try:
        if encode_in_c_domain(batch) != data:
            return None
        canonicals = [encode_in_c_domain(envelope.tx) for envelope in batch.txs]
    except UnicodeEncodeError:  # a lone surrogate: the reference names it
        return None
    read = [_signed_tx(e, canonical) for e, canonical in zip(batch.txs, canonicals, strict=True)]
    return None if None in read else cast(list[SignedTx], read)


def _signed_tx(envelope: _Signed, canonical: bytes) -> SignedTx | None:
    """The SignedTx of an envelope msgspec accepted, whose unsigned tx's JCS bytes are
    canonical, or None for what the reference must name."""
    fields = envelope.tx
    if type(fields.body) is not dict:
        return None
    # Every error below (hex that is not lowercase, duplicate or unsorted signers) is the
    # reference's to name: protocol/fields.py parse_hex is the one hex rule, its lengths
    # were checked above.
    try:
        keys = tuple(
            PublicKey(parse_hex(entry.public_key, "public_key")) for entry in envelope.signatures
        )
        signatures = tuple(
            TxSignature(public_key=key, signature=parse_hex(entry.signature, "signature"))
            for key, entry in zip(keys, envelope.signatures, strict=True)
        )
        tx = UnsignedTx.with_canonical(
            canonical,
            chain_id=Hash32(parse_hex(fields.chain_id, "chain_id")),
            protocol_version=fields.protocol_version,
            type=fields.type,
            sender=PublicKey(parse_hex(fields.sender, "sender")),
            nonce=fields.nonce,
            expires_at_ms=fields.expires_at_ms,
            body=fields.body,
        )
    except ProtocolError:
        return None
    if signers_problem(keys) is not None:
        return None
    # The hex strings read are the ones to_json writes back (parse_hex took only those).
    written = [signature_canonical(e.public_key, e.signature) for e in envelope.signatures]
    return SignedTx.with_canonical(tx, signatures, signed_canonical(written, tx), keys)
