"""The genesis document, the chain_id it defines, and the height-0 header and state.

chain_id = SHA-256(TAG_GENESIS || JCS(genesis document)) (docs/PROTOCOL.md §2). The
height-0 header commits to the initial state (institutions, keys, accounts, validator
set, params) built by contracts/genesis_state.py. Building is pure; files are read and
written only by genesis/cli.py.
"""

from dataclasses import dataclass
from typing import Annotated, Final, Self

from contracts.errors import GenesisStateError
from contracts.genesis_state import genesis_state
from contracts.records import Account, Institution, Params
from contracts.state_tree import state_root_of
from protocol.block import BlockHeader, parentless_header
from protocol.codec import JsonCodec, string
from protocol.encoding import JsonObject, decode, encode
from protocol.errors import FieldTypeError
from protocol.hashing import TAG_GENESIS, Hash32, tagged_hash
from protocol.tx import PROTOCOL_VERSION
from protocol.validators import ValidatorSet
from protocol.witnesses import WitnessSet

WITNESSES_FIELD = "witnesses"
CHAIN_NAME_LENGTH_MAX: Final = 128


@dataclass(frozen=True, slots=True, kw_only=True)
class GenesisDocument(JsonCodec, what="genesis"):
    """Everything the network agrees on before height 1."""

    protocol_version: int
    chain_name: Annotated[str, string(max_length=CHAIN_NAME_LENGTH_MAX)]
    """Human label, e.g. "lantan-xiangshan-local"; two networks differ in chain_id anyway."""
    genesis_time_ms: int
    """time_ms of the height-0 header; block 1 must be later."""
    params: Params
    institutions: tuple[Institution, ...]
    accounts: tuple[Account, ...]
    validators: ValidatorSet
    """The first validator set, with each validator's C2SP note verifier key."""
    witnesses: WitnessSet | None = None
    """Optional (ADR 0021): the witnesses and how many must cosign a checkpoint. Absent,
    the field is not written at all, so every genesis made before it hashes as it did."""

    def to_json(self) -> JsonObject:
        # JsonCodec's methods by name: zero-argument super() fails in a slots dataclass.
        out = JsonCodec.to_json(self)
        if self.witnesses is None:
            del out[WITNESSES_FIELD]
        return out

    @classmethod
    def from_json(cls, value: object) -> Self:
        # An explicit null would be a second spelling of "no witnesses" with another
        # chain_id; only absence means none.
        if isinstance(value, dict) and WITNESSES_FIELD not in value:
            value = {**value, WITNESSES_FIELD: None}
        elif isinstance(value, dict) and value[WITNESSES_FIELD] is None:
            raise FieldTypeError("genesis: witnesses is an object, or absent")
        return super(GenesisDocument, cls).from_json(value)

    def canonical_bytes(self) -> bytes:
        return encode(self.to_json())

    def chain_id(self) -> Hash32:
        return tagged_hash(TAG_GENESIS, self.canonical_bytes())


@dataclass(frozen=True, slots=True, kw_only=True)
class Genesis:
    """A parsed genesis document with what follows from it."""

    document: GenesisDocument
    chain_id: Hash32
    state: dict[str, bytes]
    """The height-0 state records, by state key."""
    header: BlockHeader
    """The height-0 header: history-log leaf 0."""


def parse_genesis(data: bytes) -> GenesisDocument:
    """Decode genesis file bytes (any JSON layout; the canonical form defines chain_id)."""
    return GenesisDocument.from_json(decode(data))


def build_genesis(document: GenesisDocument) -> Genesis:
    """Derive chain_id, initial state and the height-0 header. Raises ValueError on a
    document whose parts contradict each other (or ProtocolError from the parts): the
    contracts' GenesisStateError is turned into it here, once, so that every reader of a
    genesis file refuses such a file in its own words (`--genesis` showed a traceback)."""
    if document.protocol_version != PROTOCOL_VERSION:
        raise ValueError(f"protocol_version {document.protocol_version} is not supported")
    try:
        state = genesis_state(
            institutions=document.institutions,
            validators=document.validators,
            params=document.params,
            accounts=document.accounts,
        )
    except GenesisStateError as error:
        raise ValueError(str(error)) from None
    return Genesis(
        document=document,
        chain_id=document.chain_id(),
        state=state,
        header=genesis_header(document, state_root_of(state)),
    )


def genesis_header(document: GenesisDocument, state_root: Hash32) -> BlockHeader:
    """The height-0 header: empty roots, zero prev_hash and proposer (PROTOCOL.md §5)."""
    return parentless_header(
        chain_id=document.chain_id(),
        height=0,
        time_ms=document.genesis_time_ms,
        state_root=state_root,
        validators_hash=document.validators.hash(),
    )
