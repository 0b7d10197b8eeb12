"""Protocol-core micro-benchmarks: canonical encoding, tx signing and verification.

Run: .venv/bin/python scripts/bench_protocol.py [--count N]. Prints microseconds per
operation, elapsed and this process's CPU time (the CPU column is the steadier one on a
shared box); never asserted by tests (speed is measured, not tested).
"""

import argparse

from bench_timing import per_op_us

from protocol.encoding import decode, encode
from protocol.hashing import TAG_TX, sha256, tagged_hash
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx, verify_tx_signatures


def sample_tx(index: int, sender: SigningKey, court: SigningKey) -> SignedTx:
    unsigned = UnsignedTx(
        chain_id=sha256(b"bench chain"),
        protocol_version=PROTOCOL_VERSION,
        type="credits.retire_judicial",
        sender=sender.public_key,
        nonce=index + 1,
        expires_at_ms=1_800_000_000_000,
        body={
            "case_id": "(2023)浙0225刑初123号",
            "ranges": [{"batch": "HBA-2023-01", "first": 1, "last": 422_500}],
            "quantity_kg": 422_500,
            "beneficiary": "xiangshan-ecological-account",
            "purpose": "alternative_restoration",
        },
    )
    return sign_tx(sign_tx(unsigned, sender), court)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    count = parser.parse_args().count
    sender, court = SigningKey(sha256(b"sender")), SigningKey(sha256(b"court"))
    txs = [sample_tx(i, sender, court) for i in range(count)]
    payloads = [tx.canonical_bytes() for tx in txs]
    per_op_us("encode signed tx (JCS)", count, lambda i: encode(txs[i].to_json()))
    per_op_us("decode signed tx (strict)", count, lambda i: decode(payloads[i]))
    per_op_us(
        "decode + from_json signed tx", count, lambda i: SignedTx.from_json(decode(payloads[i]))
    )
    per_op_us(
        "tx_id from scratch (JCS + tagged SHA-256)",
        count,
        lambda i: tagged_hash(TAG_TX, encode(txs[i].tx.to_json())),
    )
    per_op_us("verify tx (2 Ed25519 signatures)", count, lambda i: verify_tx_signatures(txs[i]))
    per_op_us("sign tx (1 Ed25519 signature)", count, lambda i: sign_tx(txs[i].tx, sender))


if __name__ == "__main__":
    main()
