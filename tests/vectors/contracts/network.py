"""A deterministic test network for the contracts: the institutions of MISSION.md with keys
from fixed seeds, a genesis state, and a small chain driver that signs and applies txs.

Fixed inputs only (no randomness, no clock), so the same calls give the same bytes on every
run and every machine. Keys here are for tests and vectors, never for a real deployment.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts import (
    Account,
    BlockContext,
    Institution,
    MemoryState,
    Params,
    apply_block,
    committed_nonce,
    genesis_state,
)
from protocol.encoding import encode
from protocol.hashing import Hash32, sha256
from protocol.note import verifier_key_string
from protocol.results import TxResult
from protocol.signing import PublicKey, SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx
from protocol.validators import Validator, ValidatorSet

GENESIS_TIME_MS = 1_700_000_000_000
"""2023-11-14T22:13:20Z: the test chain's genesis time."""
BLOCK_INTERVAL_MS = 1_000
TX_LIFETIME_MS = 3_600_000
CHAIN_ID = Hash32(sha256(b"lantan test chain: contracts vectors"))

# (id, name_zh, name_en, roles): DESIGN.md §5 and MISSION.md.
INSTITUTIONS = (
    ("xiangshan-county", "象山县发展和改革局", "Xiangshan County DRB", ("issuer", "validator")),
    (
        "ningbo-ptc",
        "宁波产权交易中心",
        "Ningbo Property Rights Trading Center",
        ("trading_centre", "validator"),
    ),
    (
        "xiamen-ptc",
        "厦门产权交易中心",
        "Xiamen Property Rights Trading Center",
        ("trading_centre", "validator"),
    ),
    ("xiangshan-court", "象山县人民法院", "Xiangshan County People's Court", ("court",)),
    (
        "xiangshan-procuratorate",
        "象山县人民检察院",
        "Xiangshan County People's Procuratorate",
        ("procuratorate",),
    ),
    ("zhejiang-auditor", "浙江省审计机构", "Zhejiang Auditor", ("auditor",)),
)
VALIDATOR_IDS = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc")
ECO_ACCOUNT = "xiangshan-eco-account"
ECO_ACCOUNT_NAME = "象山县蓝碳生态碳账户 Xiangshan County Blue Carbon Ecological Carbon Account"


def party_key(name: str) -> SigningKey:
    """The fixed test key of a party: seed = SHA-256("lantan test key: " || name)."""
    return SigningKey(sha256(b"lantan test key: " + name.encode("utf-8")))


def document_hash(text: str) -> Hash32:
    """Stand-in SHA-256 of an off-chain document."""
    return sha256(text.encode("utf-8"))


def institutions() -> tuple[Institution, ...]:
    return tuple(
        Institution(
            institution_id=iid,
            name_zh=zh,
            name_en=en,
            roles=tuple(sorted(roles)),
            public_keys=(party_key(iid).public_key,),
        )
        for iid, zh, en, roles in INSTITUTIONS
    )


def validator_set(ids: Sequence[str] = VALIDATOR_IDS, quorum: int = 2) -> ValidatorSet:
    members = [
        Validator(
            name=iid,
            public_key=party_key(iid).public_key,
            note_verifier_key=verifier_key_string(iid, party_key(iid).public_key),
        )
        for iid in ids
    ]
    return ValidatorSet.create(members, quorum)


def genesis_accounts() -> tuple[Account, ...]:
    """The Ecological Account exists from genesis: held by the county, kept by Ningbo PTC."""
    eco = Account(
        account_id=ECO_ACCOUNT,
        holder_key=party_key("xiangshan-county").public_key,
        custodian="ningbo-ptc",
        display_name=ECO_ACCOUNT_NAME,
        kind="ecological",
    )
    return (eco,)


@dataclass
class TestChain:
    """A single-process chain over MemoryState: builds, signs and applies blocks."""

    __test__ = False  # not a pytest class

    state: MemoryState = field(default_factory=MemoryState)
    height: int = 0
    time_ms: int = GENESIS_TIME_MS
    pending: dict[PublicKey, int] = field(default_factory=dict)
    log: list[tuple[SignedTx, ...]] = field(default_factory=list)

    @classmethod
    def create(cls, params: Params | None = None) -> "TestChain":
        writes = genesis_state(
            institutions=institutions(),
            validators=validator_set(),
            params=params,
            accounts=genesis_accounts(),
        )
        return cls(state=MemoryState(writes))

    def build(
        self,
        tx_type: str,
        sender: SigningKey,
        body: Mapping[str, Any],
        cosigners: Iterable[SigningKey] = (),
        *,
        nonce: int | None = None,
    ) -> SignedTx:
        """A signed tx with the sender's next nonce (counting txs built but not applied)."""
        key = sender.public_key
        if nonce is None:
            nonce = max(committed_nonce(self.state, key), self.pending.get(key, 0)) + 1
            self.pending[key] = nonce
        unsigned = UnsignedTx(
            chain_id=CHAIN_ID,
            protocol_version=PROTOCOL_VERSION,
            type=tx_type,
            sender=key,
            nonce=nonce,
            expires_at_ms=self.time_ms + TX_LIFETIME_MS,
            body=dict(body),
        )
        signed = sign_tx(unsigned, sender)
        for cosigner in cosigners:
            signed = sign_tx(signed, cosigner)
        return signed

    def next_context(self) -> BlockContext:
        return BlockContext(
            chain_id=CHAIN_ID, height=self.height + 1, time_ms=self.time_ms + BLOCK_INTERVAL_MS
        )

    def apply(self, txs: Sequence[SignedTx]) -> tuple[TxResult, ...]:
        """Execute one block of txs and commit its writes."""
        ctx = self.next_context()
        writes, results = apply_block(self.state, ctx, txs)
        self.state.apply(writes)
        self.height, self.time_ms = ctx.height, ctx.time_ms
        self.pending.clear()
        self.log.append(tuple(txs))
        return results

    def submit(
        self,
        tx_type: str,
        sender: SigningKey,
        body: Mapping[str, Any],
        cosigners: Iterable[SigningKey] = (),
    ) -> TxResult:
        """Build one tx and commit it alone in a block."""
        (result,) = self.apply([self.build(tx_type, sender, body, cosigners)])
        return result

    def state_digest(self) -> str:
        """SHA-256 over the sorted (key, value) pairs: equal states have equal digests."""
        return sha256(encode([[k, v.hex()] for k, v in self.state.items()])).hex()
