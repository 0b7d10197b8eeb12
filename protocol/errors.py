"""Typed errors of the protocol core. Pure: no I/O.

ProtocolError
├── EncodingError                 bytes that are not protocol-v1 canonical JSON
│   ├── MalformedJsonError          not JSON at all (syntax, nesting, trailing data)
│   ├── InvalidUtf8Error            the bytes are not UTF-8
│   ├── DuplicateKeyError           an object repeats a key
│   ├── NonFiniteNumberError        NaN, Infinity or -Infinity
│   ├── FloatNotAllowedError        a number with a fraction part
│   ├── ExponentNotAllowedError     a number with an exponent
│   ├── IntegerOutOfRangeError      |n| >= 2**53
│   ├── LoneSurrogateError          a string holding an unpaired UTF-16 surrogate
│   ├── UnsupportedTypeError        a Python value outside the JSON value domain
│   └── NonCanonicalError           valid JSON that is not in RFC 8785 form
├── SchemaError                   canonical JSON of the wrong shape for a protocol type
│   ├── UnknownFieldError
│   ├── MissingFieldError
│   └── FieldTypeError
├── SignatureError                an Ed25519 signature that does not verify
├── ProofError                    a Merkle or SMT proof that does not verify
│   ├── RootMismatchError           carries expected and computed roots
│   ├── InclusionProofError         RFC 9162 inclusion proof
│   ├── ConsistencyProofError       RFC 9162 consistency proof
│   └── SmtProofError               sparse Merkle (non-)inclusion proof
└── NoteError                     a C2SP signed note that does not parse or verify
    ├── NoteQuorumError             fewer than q validator lines verify
    └── CosignatureQuorumError      fewer witness cosignatures than genesis asks (ADR 0021)
"""


class ProtocolError(Exception):
    """Base of every error the protocol core raises."""


class EncodingError(ProtocolError):
    """Bytes or values outside the canonical JSON domain of protocol v1."""


class MalformedJsonError(EncodingError):
    """The input is not well-formed JSON."""


class InvalidUtf8Error(EncodingError):
    """The input bytes are not valid UTF-8."""


class DuplicateKeyError(EncodingError):
    """A JSON object names the same key twice."""


class NonFiniteNumberError(EncodingError):
    """NaN or an infinity: not representable in canonical JSON."""


class FloatNotAllowedError(EncodingError):
    """A number with a fraction part: protocol amounts are integer kilograms."""


class ExponentNotAllowedError(EncodingError):
    """A number written with an exponent."""


class IntegerOutOfRangeError(EncodingError):
    """An integer with |n| >= 2**53, which IEEE-754 based verifiers cannot hold exactly."""


class LoneSurrogateError(EncodingError):
    """A string with an unpaired UTF-16 surrogate, which has no UTF-8 encoding."""


class UnsupportedTypeError(EncodingError):
    """A Python value that has no canonical JSON form (float, set, object, ...)."""


class NonCanonicalError(EncodingError):
    """Valid JSON whose bytes differ from their RFC 8785 canonical form."""


class SchemaError(ProtocolError):
    """Canonical JSON of the wrong shape for the protocol type being decoded."""


class UnknownFieldError(SchemaError):
    """An object carries a field the protocol type does not define."""


class MissingFieldError(SchemaError):
    """An object lacks a field the protocol type requires."""


class FieldTypeError(SchemaError):
    """A field holds a value of the wrong JSON type, length or range."""


class SignatureError(ProtocolError):
    """An Ed25519 signature does not verify, or a key or signature is malformed."""


class ProofError(ProtocolError):
    """A Merkle inclusion, consistency or SMT proof does not verify."""


class RootMismatchError(ProofError):
    """A proof recomputes to a root other than the expected one."""

    def __init__(self, expected_root: bytes, computed_root: bytes) -> None:
        super().__init__(
            f"root mismatch: expected {expected_root.hex()}, computed {computed_root.hex()}"
        )
        self.expected_root = expected_root
        self.computed_root = computed_root


class NoteError(ProtocolError):
    """A C2SP signed note or checkpoint that does not parse or verify."""


class NoteQuorumError(NoteError):
    """A signed note whose lines verify, but from fewer than quorum known keys."""

    def __init__(self, signers: int, quorum: int) -> None:
        super().__init__(f"{signers} valid signatures of known keys, quorum is {quorum}")
        self.signers = signers
        self.quorum = quorum


class CosignatureQuorumError(NoteError):
    """A checkpoint whose cosignature lines verify, but from fewer witnesses than it needs."""

    def __init__(self, cosigners: int, quorum: int) -> None:
        super().__init__(f"{cosigners} valid witness cosignatures, the genesis asks {quorum}")
        self.cosigners = cosigners
        self.quorum = quorum


class InclusionProofError(ProofError):
    """An RFC 9162 inclusion proof that does not verify (wrong index, size or path)."""


class ConsistencyProofError(ProofError):
    """An RFC 9162 consistency proof that does not verify."""


class SmtProofError(ProofError):
    """A sparse Merkle tree inclusion or non-inclusion proof that does not verify."""
