"""State keys of every contract record (docs/STATE.md). Pure.

A state key is a short UTF-8 path; the sparse Merkle tree indexes it by SHA-256(key), so
a client that knows the key can ask for an inclusion proof. Identifiers that appear in
keys are slugs (`[a-z0-9][a-z0-9._-]{0,63}`): they can never contain '/', so one key has
one reading. Serial numbers are zero-padded to 16 digits (every serial is < 2**53), so
keys of one batch sort in serial order.
"""

import re
from collections.abc import Callable
from typing import Final

from protocol.hashing import Hash32
from protocol.signing import PublicKey

SLUG_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
SLUG_RULE: Final = (
    "1 to 64 lowercase letters, digits, '.', '_' and '-', beginning with a letter or digit"
)
"""SLUG_PATTERN in words, for messages that refuse an id: kept beside the pattern so the
two cannot drift apart."""
SERIAL_DIGITS: Final = 16
STATE_KEY_LENGTH_MAX: Final = 512
"""Code points in a state key anyone may ask for (API routes, a receipt's entries,
PROTOCOL.md §14.4): every key the contracts make is far shorter (a prefix and at most two
slugs or a hex key)."""

PARAMS_KEY: Final = "params"
VALIDATORS_CURRENT_KEY: Final = "validators/current"
VALIDATORS_NEXT_KEY: Final = "validators/next"


def is_slug(value: str) -> bool:
    """True when value may be used as an identifier inside a state key."""
    return SLUG_PATTERN.fullmatch(value) is not None


ID_FAMILIES: Final[set[str]] = set()
"""The prefixes of the `<prefix>/<slug>` families, each added where it is made below (the
key grammar of contracts/state_key_grammar.py reads them)."""
BYTES_FAMILIES: Final[set[str]] = set()
"""The prefixes of the `<prefix>/<64 hex digits>` families, likewise."""


def _named_by_id(prefix: str) -> Callable[[str], str]:
    """A key family `<prefix>/<slug>` for records named by an identifier."""
    ID_FAMILIES.add(prefix)

    def key(identifier: str) -> str:
        return f"{prefix}/{identifier}"

    return key


def _named_by_bytes(prefix: str) -> Callable[[bytes], str]:
    """A key family `<prefix>/<hex>` for records named by a public key or a hash."""
    BYTES_FAMILIES.add(prefix)

    def key(name: bytes) -> str:
        return f"{prefix}/{name.hex()}"

    return key


# Typed per family so a hash can never be passed where a public key names the record.
ByPublicKey = Callable[[PublicKey], str]
ByHash = Callable[[Hash32], str]

# One line a record family, as in docs/STATE.md.
institution_key: Final = _named_by_id("institution")
account_key: Final = _named_by_id("account")
project_key: Final = _named_by_id("project")
verification_key: Final = _named_by_id("verification")
# attested_verification/: a verification signed by a verifier (verification.attest, ADR 0026);
# one verification id names a verification/ or an attested_verification/ record, never both.
attested_verification_key: Final = _named_by_id("attested_verification")
batch_key: Final = _named_by_id("batch")
# project_tenure/: a project's boundary and tenure certificate (project.tenure, ADR 0027).
project_tenure_key: Final = _named_by_id("project_tenure")
case_key: Final = _named_by_id("case")
# case_judgment/, case_closure/: a case's judgment and closure by its court (ADR 0029).
case_judgment_key: Final = _named_by_id("case_judgment")
case_closure_key: Final = _named_by_id("case_closure")
insurance_key: Final = _named_by_id("insurance")
# key/: which institution a public key belongs to; holder/: the accounts it holds.
signing_key_key: Final[ByPublicKey] = _named_by_bytes("key")
holder_key: Final[ByPublicKey] = _named_by_bytes("holder")
nonce_key: Final[ByPublicKey] = _named_by_bytes("nonce")
# node_address/: where a validator key's node listens (node.announce, ADR 0023).
node_address_key: Final[ByPublicKey] = _named_by_bytes("node_address")
# validator_rotation/: an institution's last key.rotate of its validator key (ADR 0022).
validator_rotation_key: Final = _named_by_id("validator_rotation")
# A retirement is named by the id of the tx that made it.
retirement_key: Final[ByHash] = _named_by_bytes("retirement")
evidence_key: Final[ByHash] = _named_by_bytes("evidence")


# batch_links/: a batch's labels and external registry ids (batch.link, ADR 0028).
batch_links_key: Final = _named_by_id("batch_links")


def external_id_key(registry: str, external_id: str) -> str:
    """`external_id/<registry>/<id>`: the one batch that claims an id of another registry
    (ADR 0028). Neither part holds a '/', so one key has one reading."""
    return f"external_id/{registry}/{external_id}"


def serial_block_key(batch_id: str, first_serial: int) -> str:
    """`serials/<batch>/<first serial, 16 digits>`: one serial block."""
    assert 0 < first_serial < 10**SERIAL_DIGITS, first_serial
    return f"serials/{batch_id}/{first_serial:0{SERIAL_DIGITS}d}"


def holding_key(account_id: str, batch_id: str) -> str:
    """`holding/<account>/<batch>`: the ACTIVE and FROZEN blocks an account holds in a batch."""
    return f"holding/{account_id}/{batch_id}"


def tenure_claim_key(certificate_kind: str, certificate_number: str) -> str:
    """`tenure/<kind>/<number>`: the active project a tenure certificate backs (ADR 0027).

    kind is a slug and number is [0-9A-Z-] (contracts/tenure_records.py): neither holds '/'.
    """
    return f"tenure/{certificate_kind}/{certificate_number}"


# consideration/: the price a priced transfer recorded, named by its tx id (ADR 0031).
consideration_key: Final[ByHash] = _named_by_bytes("consideration")
# reversal/, batch_reversal/, insurance_claim/: a verifier's reversal report, a batch's
# reversal totals and an insurance claim for a reversal (ADR 0033).
reversal_key: Final = _named_by_id("reversal")
batch_reversal_key: Final = _named_by_id("batch_reversal")
insurance_claim_key: Final = _named_by_id("insurance_claim")
# pledge/: serials pledged to a lender (credits.pledge, ADR 0032).
pledge_key: Final = _named_by_id("pledge")


def pledged_block_key(batch_id: str, first_serial: int) -> str:
    """`pledged/<batch>/<first serial, 16 digits>`: the pledge of the PLEDGED block starting at
    first (ADR 0032); absent for every block that is not pledged."""
    assert 0 < first_serial < 10**SERIAL_DIGITS, first_serial
    return f"pledged/{batch_id}/{first_serial:0{SERIAL_DIGITS}d}"


# auction/: a lot in a sealed-bid auction (auction.open, ADR 0034).
auction_key: Final = _named_by_id("auction")


def auction_bid_key(lot_id: str, bidder_account: str) -> str:
    """`auction_bid/<lot>/<bidder account>`: one account's sealed bid on a lot (ADR 0034)."""
    return f"auction_bid/{lot_id}/{bidder_account}"


def escrowed_block_key(batch_id: str, first_serial: int) -> str:
    """`escrowed/<batch>/<first serial, 16 digits>`: the lot of the ESCROWED block starting at
    first (ADR 0034); absent for every block that is not escrowed."""
    assert 0 < first_serial < 10**SERIAL_DIGITS, first_serial
    return f"escrowed/{batch_id}/{first_serial:0{SERIAL_DIGITS}d}"


# insurance_claim_decision/: the insurer's decision on a claim and its payment (ADR 0035).
insurance_claim_decision_key: Final = _named_by_id("insurance_claim_decision")
