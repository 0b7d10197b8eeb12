"""State keys of every contract record (docs/STATE.md). Pure.

A state key is a short UTF-8 path; the sparse Merkle tree indexes it by SHA-256(key), so
a client that knows the key can ask for an inclusion proof. Identifiers that appear in
keys are slugs (`[a-z0-9][a-z0-9._-]{0,63}`): they can never contain '/', so one key has
one reading. Serial numbers are zero-padded to 16 digits (every serial is < 2**53), so
keys of one batch sort in serial order.
"""

import re
from typing import Final

from protocol.hashing import Hash32
from protocol.signing import PublicKey

SLUG_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
SERIAL_DIGITS: Final = 16

PARAMS_KEY: Final = "params"
VALIDATORS_CURRENT_KEY: Final = "validators/current"
VALIDATORS_NEXT_KEY: Final = "validators/next"


def is_slug(value: str) -> bool:
    """True when value may be used as an identifier inside a state key."""
    return SLUG_PATTERN.fullmatch(value) is not None


def institution_key(institution_id: str) -> str:
    return f"institution/{institution_id}"


def signing_key_key(public_key: PublicKey) -> str:
    """`key/<hex>`: which institution a key belongs to."""
    return f"key/{public_key.hex()}"


def holder_key(public_key: PublicKey) -> str:
    """`holder/<hex>`: the accounts a key holds."""
    return f"holder/{public_key.hex()}"


def nonce_key(public_key: PublicKey) -> str:
    return f"nonce/{public_key.hex()}"


def account_key(account_id: str) -> str:
    return f"account/{account_id}"


def project_key(project_id: str) -> str:
    return f"project/{project_id}"


def verification_key(verification_id: str) -> str:
    return f"verification/{verification_id}"


def batch_key(batch_id: str) -> str:
    return f"batch/{batch_id}"


def serial_block_key(batch_id: str, first_serial: int) -> str:
    """`serials/<batch>/<first serial, 16 digits>`: one serial block."""
    assert 0 < first_serial < 10**SERIAL_DIGITS, first_serial
    return f"serials/{batch_id}/{first_serial:0{SERIAL_DIGITS}d}"


def holding_key(account_id: str, batch_id: str) -> str:
    """`holding/<account>/<batch>`: the ACTIVE and FROZEN blocks an account holds in a batch."""
    return f"holding/{account_id}/{batch_id}"


def case_key(case_id: str) -> str:
    return f"case/{case_id}"


def retirement_key(retirement_id: Hash32) -> str:
    """`retirement/<tx_id hex>`: a retirement is named by the tx that made it."""
    return f"retirement/{retirement_id.hex()}"


def evidence_key(evidence_hash: Hash32) -> str:
    return f"evidence/{evidence_hash.hex()}"


def insurance_key(policy_id: str) -> str:
    return f"insurance/{policy_id}"
