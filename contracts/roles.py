"""Who signed a tx, and which roles their keys hold (DESIGN.md §5). Pure.

A key's institution is found through `key/<hex>`; its roles live on `institution/<id>`,
so a receipt can prove both. Co-signers are looked up in sorted key order (the order of
SignedTx.signatures), so every node finds the same co-signer.
"""

from contracts.context import TxEnv
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.records import Account, Institution, KeyRecord, Role
from contracts.state import StateView
from contracts.state_keys import institution_key, signing_key_key
from contracts.store import load
from contracts.validator_sets import current_validator_set
from protocol.signing import PublicKey


def institution_of_key(view: StateView, public_key: PublicKey) -> Institution | None:
    """The institution public_key signs for, or None for a holder, unknown, rotated or
    revoked key (a key that no longer signs holds no role: ADR 0019)."""
    record = load(view, signing_key_key(public_key), KeyRecord.from_json)
    if record is None or not record.active:
        return None
    institution = load(view, institution_key(record.institution_id), Institution.from_json)
    assert institution is not None, record
    return institution


def require_sender_role(
    env: TxEnv, *roles: Role, reason: RejectReason = RejectReason.SIGNER_LACKS_ROLE
) -> Institution:
    """The sender's institution, which must hold one of roles (else rejected with reason)."""
    institution = institution_of_key(env.state, env.sender)
    if institution is None or not any(institution.has_role(role) for role in roles):
        wanted = "/".join(role.value for role in roles)
        raise TxRejectedError(reason, f"sender is not {wanted}")
    return institution


def signers_with_role(env: TxEnv, role: Role) -> tuple[tuple[PublicKey, Institution], ...]:
    """Every signer whose institution holds role, in key order."""
    found = []
    for public_key in env.signers:
        institution = institution_of_key(env.state, public_key)
        if institution is not None and institution.has_role(role):
            found.append((public_key, institution))
    return tuple(found)


def require_validator_quorum(env: TxEnv) -> tuple[PublicKey, ...]:
    """At least q signers are members of the current validator set; returns those signers."""
    validators = current_validator_set(env.state)
    endorsing = tuple(key for key in env.signers if validators.contains(key))
    if len(endorsing) < validators.quorum:
        detail = f"{len(endorsing)} of q={validators.quorum} validator signatures"
        raise TxRejectedError(RejectReason.VALIDATOR_QUORUM_MISSING, detail)
    return endorsing


def require_cosigner(
    env: TxEnv,
    institution_id: str,
    roles: tuple[Role, ...],
    lacks: RejectReason,
    missing: RejectReason,
) -> Institution:
    """The named institution holds one of roles (else lacks), and an active key of it signed
    (else missing): a lender, an enforcer, an auction's operator."""
    institution = load(env.state, institution_key(institution_id), Institution.from_json)
    if institution is None or not any(institution.has_role(role) for role in roles):
        raise TxRejectedError(lacks, institution_id)
    for public_key in env.signers:
        signer = institution_of_key(env.state, public_key)
        if signer is not None and signer.institution_id == institution_id:
            return institution
    raise TxRejectedError(missing, institution_id)


def require_account_holder(env: TxEnv, account: Account) -> None:
    if env.sender != account.holder_key:
        raise TxRejectedError(RejectReason.NOT_ACCOUNT_HOLDER, account.account_id)


def require_holder_or_custodian(env: TxEnv, account: Account) -> None:
    """The holder, or a trading centre key of the account's custodian acting for the holder."""
    if env.sender == account.holder_key:
        return
    institution = institution_of_key(env.state, env.sender)
    if institution is None or institution.institution_id != account.custodian:
        raise TxRejectedError(RejectReason.NOT_ACCOUNT_HOLDER, account.account_id)
    if not institution.has_role(Role.TRADING_CENTRE):
        raise TxRejectedError(RejectReason.SIGNER_LACKS_ROLE, "custodian is not trading_centre")
