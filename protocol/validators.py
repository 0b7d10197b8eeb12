"""The validator set and its commitment, validators_hash (DESIGN.md §3). Pure: no I/O."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol

from protocol.codec import CachedJsonCodec, JsonCodec, integer, string
from protocol.errors import FieldTypeError, NoteError
from protocol.hashing import TAG_VALIDATORS, Hash32, tagged_hash
from protocol.note import parse_verifier_key
from protocol.signing import PublicKey


class NamedKey(Protocol):
    """A member of a signing set: a validator or a witness."""

    @property
    def name(self) -> str: ...

    @property
    def public_key(self) -> PublicKey: ...


def check_named_keys(members: Sequence[NamedKey], plural: str, singular: str) -> None:
    """Members sorted by public_key, each key once, and each name once: a note line names
    its key by name, and a court reads signers by name. Raises FieldTypeError."""
    keys = [member.public_key for member in members]
    if keys != sorted(set(keys)):
        raise FieldTypeError(f"{plural} must be sorted by public_key, each key once")
    names = [member.name for member in members]
    if len(set(names)) != len(names):
        raise FieldTypeError(f"{singular} names must be unique within a set")


@dataclass(frozen=True, slots=True, kw_only=True)
class Validator(JsonCodec, what="validator"):
    """One validator of the set."""

    name: Annotated[str, string(max_length=128)]
    """Institution's note name: no spaces, no '+', e.g. "xiangshan-county"."""
    public_key: PublicKey
    """Ed25519 key that signs votes, proposals and checkpoint notes."""
    note_verifier_key: Annotated[str, string(max_length=512)]
    """C2SP verifier key string `<name>+<8 hex key id>+<base64(0x01 || public_key)>`."""

    def __post_init__(self) -> None:
        # The verifier key is derived data: it must name this validator and carry its key,
        # or checkpoint lines would count for the wrong institution.
        try:
            parsed = parse_verifier_key(self.note_verifier_key)
        except NoteError as error:
            raise FieldTypeError(f"note_verifier_key: {error}") from None
        if parsed.name != self.name or parsed.public_key != self.public_key:
            raise FieldTypeError("note_verifier_key does not match the name and public_key")


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidatorSet(CachedJsonCodec, what="validator set"):
    """Validators sorted by public key, and the quorum q of precommits a block needs."""

    validators: tuple[Validator, ...]
    quorum: Annotated[int, integer(minimum=1)]

    def __post_init__(self) -> None:
        check_named_keys(self.validators, "validators", "validator")
        size = len(self.validators)
        # n/2 < q <= n: two quorums always share a validator (DESIGN.md §4).
        if not (size > 0 and size < 2 * self.quorum and self.quorum <= size):
            raise FieldTypeError(f"quorum {self.quorum} breaks n/2 < q <= n for n={size}")

    @property
    def size(self) -> int:
        return len(self.validators)

    @property
    def max_safety_faults(self) -> int:
        """f_S = 2q - n - 1: equivocating validators tolerated without a fork."""
        return 2 * self.quorum - self.size - 1

    @property
    def max_liveness_faults(self) -> int:
        """f_L = n - q: silent validators tolerated without a stall."""
        return self.size - self.quorum

    def by_key(self, public_key: bytes) -> Validator | None:
        for validator in self.validators:
            if validator.public_key == public_key:
                return validator
        return None

    def contains(self, public_key: bytes) -> bool:
        return self.by_key(public_key) is not None

    def proposer(self, height: int, round_number: int) -> Validator:
        """Round-robin by height + round (DESIGN.md §4); no randomness needed."""
        return self.validators[(height + round_number) % self.size]

    @classmethod
    def create(cls, validators: list[Validator], quorum: int) -> "ValidatorSet":
        """Build a set from validators in any order."""
        ordered = tuple(sorted(validators, key=lambda v: v.public_key))
        return cls(validators=ordered, quorum=quorum)

    def hash(self) -> Hash32:
        """validators_hash = SHA-256(TAG_VALIDATORS || JCS(set))."""
        return tagged_hash(TAG_VALIDATORS, self.canonical_bytes())
