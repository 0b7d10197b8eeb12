"""Genesis documents for the Xiangshan network: a local test network, or gathered keys.

`local_network_plan` lists the institutions of docs/../MISSION.md; `init_local_network`
makes their keys in DIR/<name>/ (DESIGN.md §7), and a key in DIR/<witness>/ for each
witness named (ADR 0021), and returns the genesis document. Each witness is also an
institution of its own name with the role `witness` and its key (ADR 0025), so it can
announce its address on chain. For a real deployment, `genesis_from_identities` builds
the document from the public parts that each institution's `lantan keys new` printed, so
no private key ever leaves its owner.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from contracts.records import Account, Institution, Params, Role
from contracts.state_keys import SLUG_RULE, is_slug
from genesis.document import GenesisDocument
from genesis.errors import GenesisError
from genesis.keystore import (
    INTERACTIVE_LIMITS,
    KdfLimits,
    KeyIdentity,
    create_key_directory,
    parse_roles,
    write_new_file,
)
from genesis.layout import GENESIS_FILE, PASSPHRASE_FILE
from protocol.errors import ProtocolError
from protocol.fields import expect_object, read_hex, read_list, read_str
from protocol.note import verifier_key_string
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey
from protocol.tx import PROTOCOL_VERSION
from protocol.validators import Validator, ValidatorSet
from protocol.witnesses import Witness, WitnessSet

__all__ = [
    "ECOLOGICAL_ACCOUNT_ID",
    "ECOLOGICAL_ACCOUNT_NAME",
    "GENESIS_FILE",  # genesis/layout.py's, kept importable here
    "LOCAL_CHAIN_NAME",
    "PASSPHRASE_FILE",  # genesis/layout.py's, kept importable here
    "InstitutionPlan",
    "check_quorum",
    "default_quorum",
    "document_from_plans",
    "genesis_from_identities",
    "identity_from_json",
    "init_local_network",
    "local_network_plan",
    "quorum_range",
    "witness_from_json",
    "witness_plans",
    "witness_set",
]
LOCAL_CHAIN_NAME = "lantan-xiangshan-local"
"""chain_name of a local network unless another is asked for."""
ECOLOGICAL_ACCOUNT_ID = "xiangshan-eco-account"
ECOLOGICAL_ACCOUNT_NAME = (
    "象山县蓝碳生态碳账户 Xiangshan County Blue Carbon Ecological Carbon Account"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstitutionPlan:
    """One institution of a local network: its key name, names and roles."""

    name: str
    name_zh: str
    name_en: str
    roles: tuple[Role, ...]
    in_first_set: bool = True
    """With the validator role: validates from height 1. Otherwise it may be added later by
    a validators.update (the court of a 3-validator network can become the 4th)."""


def local_network_plan(validator_count: int) -> tuple[InstitutionPlan, ...]:
    """The institutions of MISSION.md; with 4 validators the court is the fourth."""
    if validator_count not in (3, 4):
        raise GenesisError("a local network has 3 or 4 validators")
    return (
        InstitutionPlan(
            name="xiangshan-county",
            name_zh="象山县发展和改革局",
            name_en="Xiangshan County Development and Reform Bureau",
            roles=(Role.ISSUER, Role.VALIDATOR),
        ),
        InstitutionPlan(
            name="ningbo-ptc",
            name_zh="宁波产权交易中心",
            name_en="Ningbo Property Rights Trading Center",
            roles=(Role.TRADING_CENTRE, Role.VALIDATOR),
        ),
        InstitutionPlan(
            name="xiamen-ptc",
            name_zh="厦门产权交易中心",
            name_en="Xiamen Property Rights Trading Center",
            roles=(Role.TRADING_CENTRE, Role.VALIDATOR),
        ),
        InstitutionPlan(
            name="xiangshan-court",
            name_zh="象山县人民法院",
            name_en="Xiangshan County People's Court",
            # The court may validate (DESIGN.md §4: n=4 with the court as 4th); with 3
            # validators it is outside the first set until a validators.update adds it.
            roles=(Role.COURT, Role.VALIDATOR),
            in_first_set=validator_count == 4,
        ),
        InstitutionPlan(
            name="xiangshan-procuratorate",
            name_zh="象山县人民检察院",
            name_en="Xiangshan County People's Procuratorate",
            roles=(Role.PROCURATORATE,),
        ),
        InstitutionPlan(
            name="blue-carbon-auditor",
            name_zh="蓝碳核查审计机构",
            name_en="Blue Carbon Audit Office",
            roles=(Role.AUDITOR,),
        ),
    )


def default_quorum(validator_count: int) -> int:
    """q for n validators: 2 of 3, 3 of 4 (DESIGN.md §4); in general n // 2 + 1."""
    return validator_count // 2 + 1


def quorum_range(validator_count: int) -> range:
    """Every q a set of n validators may have: n/2 < q <= n (ValidatorSet's rule), so two
    quorums always share a validator."""
    return range(validator_count // 2 + 1, validator_count + 1)


def check_quorum(quorum: int | None, validator_count: int, *, name: str = "quorum") -> None:
    """Raise GenesisError, naming the quorum `name`, unless quorum is None (the default)
    or in quorum_range(validator_count)."""
    allowed = quorum_range(validator_count)
    if quorum is not None and quorum not in allowed:
        raise GenesisError(
            f"{name} {quorum}: {validator_count} validators take "
            f"{allowed.start}..{allowed.stop - 1} (n/2 < q <= n)"
        )


def init_local_network(
    directory: Path,
    *,
    validator_count: int,
    genesis_time_ms: int,
    limits: KdfLimits = INTERACTIVE_LIMITS,
    witnesses: Sequence[str] = (),
    witness_quorum: int | None = None,
    chain_name: str = LOCAL_CHAIN_NAME,
    quorum: int | None = None,
) -> GenesisDocument:
    """Make every institution's key under directory and return the genesis document.

    Each name in witnesses gets its own witness key in directory/<name>/ (ADR 0021), an
    institution of that name with the role `witness` holding the key (ADR 0025: it signs
    cosignatures and its own node.announce, nothing else), and genesis asks
    witness_quorum (default 1) of them. The validators' quorum is default_quorum unless
    given. Each key is encrypted with a random passphrase kept beside it in a 0600 file: a
    local network only (DESIGN.md §7). Raises KeystoreExistsError if a key directory is in
    use, GenesisError for a bad witness name or either quorum (before any key is made).
    """
    plans = local_network_plan(validator_count)
    check_quorum(quorum, validator_count)
    _check_witness_names(witnesses, witness_quorum, taken={plan.name for plan in plans})
    identities: list[tuple[InstitutionPlan, KeyIdentity]] = []
    for plan in plans:
        identity = _make_local_key(directory / plan.name, plan.name, plan.roles, limits)
        identities.append((plan, identity))
    made = [_make_local_key(directory / name, name, (Role.WITNESS,), limits) for name in witnesses]
    policy = None
    if made:
        policy = witness_set([_witness(m.name, m.public_key) for m in made], witness_quorum)
        shown = witness_plans(policy, local_witness_names(witnesses, plans))
        identities.extend(zip(shown, _in_policy_order(made, policy), strict=True))
    # MISSION.md: Xiangshan County holds the Ecological Account; Ningbo PTC is custodian.
    county = next(identity for plan, identity in identities if plan.name == "xiangshan-county")
    account = Account(
        account_id=ECOLOGICAL_ACCOUNT_ID,
        holder_key=county.public_key,
        custodian="ningbo-ptc",
        display_name=ECOLOGICAL_ACCOUNT_NAME,
        kind="ecological",
    )
    return document_from_plans(
        identities,
        chain_name=chain_name,
        genesis_time_ms=genesis_time_ms,
        accounts=(account,),
        quorum=quorum,
        witnesses=policy,
    )


def _check_witness_names(names: Sequence[str], quorum: int | None, *, taken: set[str]) -> None:
    """The policy's rules on names and quorum, before any key is made (placeholder keys);
    each name is also a new institution id (ADR 0025)."""
    if names or quorum is not None:
        keys = [PublicKey(n.to_bytes(PUBLIC_KEY_SIZE, "big")) for n in range(len(names))]
        witness_set([_witness(name, key) for name, key in zip(names, keys, strict=True)], quorum)
    for name in names:
        _check_institution_id(name)
        if name in taken:
            raise GenesisError(f"witness {name!r}: an institution of the network has that name")


def _check_institution_id(name: str) -> None:
    if not is_slug(name):
        raise GenesisError(f"witness {name!r}: its name is also its institution id: {SLUG_RULE}")


def local_witness_names(
    witnesses: Sequence[str], plans: Sequence[InstitutionPlan]
) -> dict[str, tuple[str, str]]:
    """Display names (zh, en) of the local network's witnesses named `<id>-witness` after
    one of its institutions: "蓝碳核查审计机构（见证方）", "Blue Carbon Audit Office
    (witness)". A court read the demo's witness as `blue-carbon-auditor-witness` (stop 55's
    auditor pass); other names stay as they are."""
    names = {}
    for plan in plans:
        witness = f"{plan.name}-witness"
        if witness in witnesses:
            names[witness] = (f"{plan.name_zh}（见证方）", f"{plan.name_en} (witness)")
    return names


def witness_plans(
    witnesses: WitnessSet, display_names: dict[str, tuple[str, str]] | None = None
) -> tuple[InstitutionPlan, ...]:
    """One institution per witness, in policy order (ADR 0025): its id is the witness's
    name, its only role `witness`, and its key (document_from_plans) the cosigning key, so
    the witness can sign its own node.announce. display_names maps name -> (zh, en)."""
    names = display_names or {}
    plans = []
    for witness in witnesses.witnesses:
        _check_institution_id(witness.name)
        name_zh, name_en = names.get(witness.name, (witness.name, witness.name))
        plans.append(
            InstitutionPlan(
                name=witness.name, name_zh=name_zh, name_en=name_en, roles=(Role.WITNESS,)
            )
        )
    return tuple(plans)


def _in_policy_order(made: Sequence[KeyIdentity], policy: WitnessSet) -> list[KeyIdentity]:
    by_key = {identity.public_key: identity for identity in made}
    return [by_key[witness.public_key] for witness in policy.witnesses]


def _witness(name: str, public_key: PublicKey) -> Witness:
    try:
        return Witness(name=name, public_key=public_key)
    except ProtocolError as error:
        raise GenesisError(f"witness {name!r}: {error}") from None


def witness_set(witnesses: Sequence[Witness], quorum: int | None) -> WitnessSet:
    """The genesis witness policy (ADR 0021): sorted by key, quorum 1 unless given."""
    if not witnesses:
        raise GenesisError("a witness quorum needs at least one witness")
    if quorum is not None and quorum < 1:
        # WitnessSet checks its minimum only when a file is read: 0 would be written into
        # a genesis that `genesis verify` and every node then refuse.
        raise GenesisError(f"witness quorum {quorum}: at least 1")
    try:
        return WitnessSet(
            witnesses=tuple(sorted(witnesses, key=lambda witness: witness.public_key)),
            quorum=1 if quorum is None else quorum,
        )
    except ProtocolError as error:
        raise GenesisError(f"witnesses: {error}") from None


def _make_local_key(
    key_directory: Path, name: str, roles: tuple[Role, ...], limits: KdfLimits
) -> KeyIdentity:
    passphrase = secrets.token_urlsafe(24).encode()
    keystore = create_key_directory(key_directory, name, roles, passphrase, limits=limits)
    write_new_file(key_directory / PASSPHRASE_FILE, passphrase + b"\n")
    return keystore.identity


def document_from_plans(
    identities: Sequence[tuple[InstitutionPlan, KeyIdentity]],
    *,
    chain_name: str,
    genesis_time_ms: int,
    accounts: Sequence[Account] = (),
    quorum: int | None = None,
    witnesses: WitnessSet | None = None,
) -> GenesisDocument:
    """The genesis document for these institutions; the first validator set holds those
    with the validator role that are marked in_first_set. Raises GenesisError for a quorum
    outside quorum_range or a key given twice."""
    institutions = tuple(
        Institution(
            institution_id=plan.name,
            name_zh=plan.name_zh,
            name_en=plan.name_en,
            roles=tuple(sorted(role.value for role in identity.roles)),
            public_keys=(identity.public_key,),
        )
        for plan, identity in identities
    )
    validators = [
        Validator(
            name=identity.name,
            public_key=identity.public_key,
            note_verifier_key=verifier_key_string(identity.name, identity.public_key),
        )
        for plan, identity in identities
        if Role.VALIDATOR in identity.roles and plan.in_first_set
    ]
    if not validators:
        raise GenesisError("no institution has the validator role")
    # `is None`, not `or`: a quorum of 0 is refused, never taken for "the default".
    q = default_quorum(len(validators)) if quorum is None else quorum
    check_quorum(q, len(validators))
    try:
        validator_set = ValidatorSet.create(validators, q)
    except ProtocolError as error:
        raise GenesisError(f"validators: {error}") from None
    return GenesisDocument(
        protocol_version=PROTOCOL_VERSION,
        chain_name=chain_name,
        genesis_time_ms=genesis_time_ms,
        params=Params(),
        institutions=institutions,
        accounts=tuple(accounts),
        validators=validator_set,
        witnesses=witnesses,
    )


def genesis_from_identities(
    identities: Sequence[KeyIdentity],
    *,
    display_names: dict[str, tuple[str, str]],
    chain_name: str,
    genesis_time_ms: int,
    quorum: int | None = None,
    witnesses: WitnessSet | None = None,
) -> GenesisDocument:
    """Genesis from gathered public parts; display_names maps name -> (zh, en).

    Each witness becomes an institution with the role `witness` (witness_plans), unless
    its key is one of identities already (that entry's roles stand)."""
    plans = [
        InstitutionPlan(
            name=identity.name,
            name_zh=display_names.get(identity.name, (identity.name, identity.name))[0],
            name_en=display_names.get(identity.name, (identity.name, identity.name))[1],
            roles=identity.roles,
        )
        for identity in identities
    ]
    listed = list(zip(plans, identities, strict=True))
    if witnesses is not None:
        known = {identity.public_key for identity in identities}
        for plan, witness in zip(
            witness_plans(witnesses, display_names), witnesses.witnesses, strict=True
        ):
            if witness.public_key not in known:
                key = KeyIdentity(name=plan.name, roles=plan.roles, public_key=witness.public_key)
                listed.append((plan, key))
    return document_from_plans(
        listed,
        chain_name=chain_name,
        genesis_time_ms=genesis_time_ms,
        quorum=quorum,
        witnesses=witnesses,
    )


def witness_from_json(value: object) -> Witness:
    """A witness from its `keys new` public part (its name and public key)."""
    identity = identity_from_json(value)
    return _witness(identity.name, identity.public_key)


def identity_from_json(value: object) -> KeyIdentity:
    """Read one `keys new` public part; its note_verifier_key must match name and key."""
    try:
        obj = expect_object(
            value,
            "public key entry",
            ("name", "roles", "public_key", "note_verifier_key"),
            ("name_zh", "name_en"),
        )
        roles = parse_roles(str(role) for role in read_list(obj, "roles", max_items=8))
        identity = KeyIdentity(
            name=read_str(obj, "name", max_length=64),
            roles=roles,
            public_key=PublicKey(read_hex(obj, "public_key", size=PUBLIC_KEY_SIZE)),
        )
        claimed = read_str(obj, "note_verifier_key", max_length=512)
    except ProtocolError as error:
        raise GenesisError(f"public key entry: {error}") from None
    if claimed != identity.note_verifier_key:
        raise GenesisError(f"{identity.name}: note_verifier_key does not match name and key")
    return identity
