"""Micro-benchmark of the typed codecs on one signed judicial-retirement tx (ADR 0011).

Run: .venv/bin/python scripts/bench_codec.py [--count N]. Prints microseconds per operation
for the typed layer alone (from_json / to_json of the signed tx and its body) and for the
whole path with the canonical encoder (bytes -> typed, typed -> bytes). Never asserted.
"""

import argparse
import timeit
from collections.abc import Callable

from contracts.bodies_credits import CreditsRetireJudicialBody
from protocol.encoding import JsonObject, decode, encode
from protocol.hashing import sha256
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx

BODY: JsonObject = {
    "case_id": "xiangshan-2023-0225-xing-chu-123",
    "account_id": "xiangshan-eco-account",
    "batch_id": "hb-xiangshan-2023-01",
    "quantity_kg": 422_500,
    "beneficiary": "象山县蓝碳生态碳账户",
}


def judicial_tx() -> SignedTx:
    sender, court = SigningKey(sha256(b"sender")), SigningKey(sha256(b"court"))
    unsigned = UnsignedTx(
        chain_id=sha256(b"bench chain"),
        protocol_version=PROTOCOL_VERSION,
        type="credits.retire_judicial",
        sender=sender.public_key,
        nonce=7,
        expires_at_ms=1_800_000_000_000,
        body=BODY,
    )
    return sign_tx(sign_tx(unsigned, sender), court)


def report(label: str, count: int, operation: Callable[[], object]) -> None:
    best = min(timeit.repeat(operation, number=count, repeat=7))
    print(f"{label:<40} {best * 1e6 / count:8.2f} us/op")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    count = parser.parse_args().count
    signed = judicial_tx()
    obj, data = signed.to_json(), signed.canonical_bytes()
    body = CreditsRetireJudicialBody.from_json(BODY)

    def typed_decode() -> object:
        tx = SignedTx.from_json(obj)
        return CreditsRetireJudicialBody.from_json(tx.tx.body)

    def typed_encode() -> object:
        return signed.to_json(), body.to_json()

    def bytes_decode() -> object:
        tx = SignedTx.from_json(decode(data))
        return CreditsRetireJudicialBody.from_json(tx.tx.body)

    report("body from_json", count, lambda: CreditsRetireJudicialBody.from_json(BODY))
    report("body to_json", count, body.to_json)
    report("typed decode (from_json tx + body)", count, typed_decode)
    report("typed encode (to_json tx + body)", count, typed_encode)
    report("bytes -> typed (decode + from_json)", count, bytes_decode)
    report("typed -> bytes (encode(to_json))", count, lambda: encode(signed.to_json()))


if __name__ == "__main__":
    main()
