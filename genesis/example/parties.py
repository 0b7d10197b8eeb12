"""The example Xiangshan network: the institutions of MISSION.md with keys from fixed seeds,
its validator set and genesis state.

Fixed inputs only (no randomness, no clock), so the same calls give the same bytes on every
run and every machine; the contracts vectors and the Xiangshan case are built on them.
"""

from collections.abc import Sequence

from contracts import Account, Institution, Params, genesis_state
from genesis.network import ECOLOGICAL_ACCOUNT_ID, ECOLOGICAL_ACCOUNT_NAME
from protocol.hashing import Hash32, sha256
from protocol.note import verifier_key_string
from protocol.signing import SigningKey
from protocol.validators import Validator, ValidatorSet

GENESIS_TIME_MS = 1_700_000_000_000
"""2023-11-14T22:13:20Z: the example chain's genesis time."""
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
ECO_ACCOUNT = ECOLOGICAL_ACCOUNT_ID
ECO_ACCOUNT_NAME = ECOLOGICAL_ACCOUNT_NAME


def party_key(name: str) -> SigningKey:
    """The fixed example key of a party: seed = SHA-256("lantan test key: " || name)."""
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


def genesis_writes(params: Params | None = None) -> dict[str, bytes]:
    """The example network's state at height 0."""
    return genesis_state(
        institutions=institutions(),
        validators=validator_set(),
        params=params,
        accounts=genesis_accounts(),
    )
