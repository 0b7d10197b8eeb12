"""The witnesses a network names in genesis and how many must cosign a checkpoint (ADR 0021).

A witness is an institution outside the validator set that cosigns a checkpoint only after
checking it is consistent with every checkpoint it cosigned before (c2sp.org/tlog-witness);
its lines follow c2sp.org/tlog-cosignature (protocol/cosignature.py). Pure: no I/O.
"""

from dataclasses import dataclass
from typing import Annotated

from protocol.codec import JsonCodec, integer, string
from protocol.errors import FieldTypeError, NoteError
from protocol.note import check_key_name
from protocol.signing import PublicKey
from protocol.validators import check_named_keys

WITNESS_COUNT_MAX = 32
"""A cap on the set: each witness costs every verifier one signature check per receipt."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Witness(JsonCodec, what="witness"):
    """One witness: the key name of its cosignature lines and its Ed25519 key."""

    name: Annotated[str, string(max_length=128)]
    """Cosigner key name, e.g. "xiangshan-court-witness": no spaces, no '+'."""
    public_key: PublicKey
    """Ed25519 key that signs cosignature/v1 messages, for this one cosigner only (the spec
    asks one key per cosigner, since the signed message does not name the cosigner). Since
    ADR 0025 it may also be the registered key of the witness's institution (role
    `witness`) and sign that institution's txs, i.e. its own node.announce: tx signing
    bytes begin with TAG_TX, "lantan/v1/tx" 0x00, and cosignature/v1 messages with
    "cosignature/v1\n", so no signed message is both."""

    def __post_init__(self) -> None:
        try:
            check_key_name(self.name)
        except NoteError as error:
            raise FieldTypeError(f"witness name: {error}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class WitnessSet(JsonCodec, what="witness set"):
    """Witnesses sorted by public key, and how many must cosign a checkpoint."""

    witnesses: tuple[Witness, ...]
    quorum: Annotated[int, integer(minimum=1)]
    """Cosignatures a checkpoint needs: 1 <= quorum <= number of witnesses. Unlike the
    validators' q it needs no majority: any one honest witness that saw a fork refuses."""

    def __post_init__(self) -> None:
        check_named_keys(self.witnesses, "witnesses", "witness")
        if len(self.witnesses) > WITNESS_COUNT_MAX:
            raise FieldTypeError(f"at most {WITNESS_COUNT_MAX} witnesses")
        if not self.quorum <= len(self.witnesses):
            raise FieldTypeError(f"witness quorum {self.quorum} exceeds {len(self.witnesses)}")

    def by_name(self, name: str) -> Witness | None:
        for witness in self.witnesses:
            if witness.name == name:
                return witness
        return None
