"""Tamper cases for PROTOCOL.md §3: tx signatures by the sender's own key whose R is a
small-order point or a non-canonical encoding, each built so that a laxer Ed25519 verifier
would accept it. The sender's secret scalar a is known (tests/receipts/chain.py's fixed
keys), so S = k·a mod L makes [S]B = [k]A exactly:

- R the identity, canonical: plain cofactorless RFC 8032 ([S]B = R + [k]A, encodings
  compared) accepts; only "R is not of small order" refuses it;
- R the identity encoded with y = p + 1: a verifier that reduces y mod p and compares points
  accepts; "R is a canonical encoding" refuses it;
- R a point of order 8: a cofactored check ([8][S]B = [8]R + [8][k]A) accepts.

Every verifier must answer BAD_TX_SIGNATURE (a lax one would go on to BAD_TX_PROOF, since
the signed tx's leaf changed).
"""

import copy
import hashlib

from protocol.encoding import encode
from protocol.hashing import TAG_TX
from tests.receipts.tamper import Receipt, TamperCase
from tests.receipts.tamper_holes import Keys

GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493
R_ENCODINGS = {
    "R the identity (small order)": (
        "01" + "00" * 31,
        "§3: R is a canonical encoding of a point that is not of small order",
    ),
    "R the identity's non-canonical encoding (y = p + 1)": (
        "ee" + "ff" * 30 + "7f",
        "§3: R is a canonical encoding (y < p) of a point that is not of small order",
    ),
    "R a point of order 8 (a cofactored check accepts)": (
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "§3: verification is cofactorless and R is not of small order",
    ),
}


def signature_with_r(seed: bytes, public_key: bytes, r: bytes, message: bytes) -> bytes:
    """R || S with S = k·a mod L (RFC 8032 §5.1.5's a, §5.1.7's k), so that [S]B = [k]A."""
    digest = hashlib.sha512(seed).digest()
    a = int.from_bytes(digest[:32], "little")
    a = (a & ((1 << 254) - 8)) | (1 << 254)
    k = int.from_bytes(hashlib.sha512(r + public_key + message).digest(), "little")
    s = (k % GROUP_ORDER) * a % GROUP_ORDER
    return r + s.to_bytes(32, "little")


def weak_r_cases(r: Receipt, keys: Keys) -> list[TamperCase]:
    signed = r["tx"]["signed_tx"]
    sender = signed["tx"]["sender"]
    (key,) = [k for _, k in keys if k.public_key.hex() == sender]
    message = TAG_TX + encode(signed["tx"])
    cases = []
    for what, (r_hex, rule) in R_ENCODINGS.items():
        x = copy.deepcopy(r)
        forged = signature_with_r(key.seed, key.public_key, bytes.fromhex(r_hex), message)
        for entry in x["tx"]["signed_tx"]["signatures"]:
            if entry["public_key"] == sender:
                entry["signature"] = forged.hex()
        name = f"the sender's tx signature with {what}"
        cases.append(TamperCase(name, encode(x), "BAD_TX_SIGNATURE", rule))
    return cases
