"""Transactions: the unsigned body every party signs, and the signed envelope. Pure.

tx_id = SHA-256(TAG_TX || JCS(unsigned tx)), and every signature (sender's and
co-signers') is over exactly those bytes (DESIGN.md §2). A signed tx holds one signature
per key, sorted by public key, so its canonical bytes (the tx_root leaf) are unique.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, TypeVar, cast

from protocol.codec import JsonCodec, codec_wire, hex_bytes, integer, items, string
from protocol.encoding import JsonObject, encode
from protocol.errors import FieldTypeError, SignatureError
from protocol.hashing import TAG_TX, Hash32, tagged_hash
from protocol.merkle import hash_leaf
from protocol.signing import (
    SIGNATURE_SIZE,
    PublicKey,
    SigningKey,
    verify_signature,
)

PROTOCOL_VERSION = 1
"""The protocol_version every v1 tx and header carries."""
COSIGNATURES_MAX = 16
"""More signatures than any rule asks for (q validators plus a few co-signers)."""

_Body = TypeVar("_Body")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsignedTx(JsonCodec, what="tx"):
    """What every signer of a transaction signs."""

    chain_id: Hash32
    """The chain this tx is valid on: SHA-256(TAG_GENESIS || JCS(genesis))."""
    protocol_version: int
    type: Annotated[str, string(max_length=64)]
    """Transaction type, e.g. "credits.transfer"; contracts/ defines the bodies."""
    sender: PublicKey
    """The key whose nonce this tx consumes."""
    nonce: Annotated[int, integer(minimum=1)]
    """Must equal the sender's last committed nonce + 1 (the first tx uses 1)."""
    expires_at_ms: int
    """Unix milliseconds; a block whose time_ms is later may not include it."""
    body: JsonObject
    """Type-specific fields, checked by contracts/."""
    _canonical: bytes = field(init=False, repr=False, compare=False)
    """JCS(unsigned tx), computed once: ids and signatures are asked for many times."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_canonical", encode(self.to_json()))

    @classmethod
    def with_canonical(cls, canonical: bytes, **fields: object) -> "UnsignedTx":
        """An UnsignedTx of these fields whose JCS bytes the caller already has, so they are
        not encoded again. Only for bytes that are encode(to_json()) of these very fields
        (protocol/tx_decode.py encodes the JSON object it read them from, which is that
        value; tests/property/test_tx_decode.py holds it to the constructor's bytes, and
        every slot to the constructor's)."""
        tx = object.__new__(cls)
        for name, value in fields.items():
            object.__setattr__(tx, name, value)
        object.__setattr__(tx, "_canonical", canonical)
        return tx

    def signing_bytes(self) -> bytes:
        """TAG_TX || JCS(unsigned tx): signed by every party, hashed into tx_id."""
        return TAG_TX + self._canonical

    def tx_id(self) -> Hash32:
        return tagged_hash(TAG_TX, self._canonical)


@dataclass(frozen=True, slots=True, kw_only=True)
class TxSignature(JsonCodec, what="signature"):
    public_key: PublicKey
    signature: Annotated[bytes, hex_bytes(SIGNATURE_SIZE)]

    def canonical_bytes(self) -> bytes:
        """JCS(signature) (equal to encode(to_json()))."""
        return signature_canonical(self.public_key.hex(), self.signature.hex())


def signature_canonical(public_key_hex: str, signature_hex: str) -> bytes:
    """JCS of a signature given as its two lowercase hex strings, written out: the keys in
    order ("public_key" < "signature"), and hex, which JSON never escapes."""
    return b'{"public_key":"%s","signature":"%s"}' % (
        public_key_hex.encode(),
        signature_hex.encode(),
    )


def signers_problem(keys: tuple[PublicKey, ...]) -> str | None:
    """What is wrong with a signed tx's signing keys, in signature order, or None: one
    signature per key, sorted by key, at most COSIGNATURES_MAX."""
    if len(set(keys)) != len(keys):
        return "a key signs at most once (duplicate co-signer)"
    if list(keys) != sorted(keys):
        return "not sorted by public_key"
    if len(keys) > COSIGNATURES_MAX:
        return f"more than {COSIGNATURES_MAX}"
    return None


def signed_canonical(signatures: list[bytes], tx: UnsignedTx) -> bytes:
    """JCS(signed tx) from its signatures' JCS bytes and the unsigned tx's cached bytes:
    "signatures" sorts before "tx"."""
    listed = b"[" + b",".join(signatures) + b"]"
    return b'{"signatures":' + listed + b',"tx":' + tx._canonical + b"}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedTx(JsonCodec, what="signed tx"):
    """An unsigned tx and its signatures, one per key, sorted by public key."""

    tx: UnsignedTx
    signatures: Annotated[
        tuple[TxSignature, ...], items(codec_wire(TxSignature), max_items=COSIGNATURES_MAX)
    ]

    _tx_id: Hash32 = field(init=False, repr=False, compare=False)
    _canonical: bytes = field(init=False, repr=False, compare=False)
    _signers: tuple[PublicKey, ...] = field(init=False, repr=False, compare=False)
    """The signatures' keys, kept: admission and the handlers ask for them several times."""
    _typed_body: tuple[Callable[[JsonObject], object], object] | None = field(
        init=False, repr=False, compare=False
    )
    """(parse, parse(tx.body)) once typed_body has parsed the body (see there)."""
    _leaf_hash: Hash32 | None = field(init=False, repr=False, compare=False)
    """hash_leaf(canonical bytes) once leaf_hash was asked (see there)."""

    def __post_init__(self) -> None:
        keys = tuple(s.public_key for s in self.signatures)
        problem = signers_problem(keys)
        if problem is not None:
            raise FieldTypeError(f"signatures: {problem}")
        canonical = signed_canonical([s.canonical_bytes() for s in self.signatures], self.tx)
        self._set_derived(canonical, keys)

    @classmethod
    def with_canonical(
        cls,
        tx: UnsignedTx,
        signatures: tuple[TxSignature, ...],
        canonical: bytes,
        signers: tuple[PublicKey, ...],
    ) -> "SignedTx":
        """A SignedTx whose JCS bytes the caller already has, for signers it checked
        (signers_problem gave None). Only for bytes that are encode(to_json()) of these very
        fields (protocol/tx_decode.py; tests/property/test_tx_decode.py holds every slot to
        the constructor's)."""
        signed = object.__new__(cls)
        object.__setattr__(signed, "tx", tx)
        object.__setattr__(signed, "signatures", signatures)
        signed._set_derived(canonical, signers)
        return signed

    def _set_derived(self, canonical: bytes, signers: tuple[PublicKey, ...]) -> None:
        object.__setattr__(self, "_tx_id", self.tx.tx_id())
        object.__setattr__(self, "_canonical", canonical)
        object.__setattr__(self, "_signers", signers)
        object.__setattr__(self, "_typed_body", None)
        object.__setattr__(self, "_leaf_hash", None)

    @property
    def tx_id(self) -> Hash32:
        return self._tx_id

    @property
    def signers(self) -> tuple[PublicKey, ...]:
        return self._signers

    def canonical_bytes(self) -> bytes:
        """JCS(signed tx): the tx_root leaf (equal to encode(self.to_json()))."""
        return self._canonical

    def leaf_hash(self) -> Hash32:
        """The RFC 9162 leaf hash of the canonical bytes (the tx_root leaf), hashed once per
        object: the proposer's build and a follower's check of the block hash it for the
        tx_root, and the commit again for the block's leaves record."""
        leaf = self._leaf_hash
        if leaf is None:
            leaf = hash_leaf(self._canonical)
            object.__setattr__(self, "_leaf_hash", leaf)
        return leaf

    def typed_body(self, parse: Callable[[JsonObject], _Body]) -> _Body:
        """parse(self.tx.body), parsed once per object and parse function: admission at
        submit and the execution of the block holding this very object (the proposer's
        from its mempool, a follower's through parse_block's held txs) ask for the same
        body. Requires parse to be pure (its value or error depends on the body only);
        an error is raised again by parsing again, not kept."""
        cached = self._typed_body
        if cached is not None and cached[0] is parse:
            return cast(_Body, cached[1])
        body = parse(self.tx.body)
        object.__setattr__(self, "_typed_body", (parse, body))
        return body


def sign_tx(tx: UnsignedTx | SignedTx, key: SigningKey) -> SignedTx:
    """Add key's signature (replacing an earlier one by the same key)."""
    signed = tx if isinstance(tx, SignedTx) else SignedTx(tx=tx, signatures=())
    entry = TxSignature(public_key=key.public_key, signature=key.sign(signed.tx.signing_bytes()))
    others = [s for s in signed.signatures if s.public_key != key.public_key]
    return replace(signed, signatures=tuple(sorted([*others, entry], key=lambda s: s.public_key)))


def verify_tx_signatures(signed: SignedTx) -> None:
    """Raise SignatureError unless the sender signed and every signature verifies."""
    message = signed.tx.signing_bytes()
    if signed.tx.sender not in signed.signers:
        raise SignatureError("the sender's signature is missing")
    for entry in signed.signatures:
        if not verify_signature(entry.public_key, message, entry.signature):
            raise SignatureError(f"signature by {entry.public_key.hex()} does not verify")
