"""The worked example of credits.transfer_priced, docs/STATE.md "Consideration" (ADR 0031).

`python -m tests.vectors.consideration_example --rewrite` writes it into docs/STATE.md
(between its own markers) and tests/vectors/consideration-v1.json; test_single_examples.py
fails when either is stale. Chain id and time are those of docs/PROTOCOL.md §13, whose bytes
this leaves alone; the township's and Ningbo PTC's keys are example keys made the §13 way.
The agreement is illustrative; the price is the 2023 auction's closing 106 yuan/t.
"""

import sys

from contracts.consideration_records import Consideration, CreditsTransferPricedBody, total_fen
from contracts.state_keys import consideration_key
from protocol.codec import copy_fields
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.tx import SignedTx, sign_tx
from tests.vectors.protocol_examples import Section, example_key
from tests.vectors.state_examples import (
    add_signed_tx,
    add_state_record,
    signed_example_tx,
    state_example,
)

EXAMPLE = state_example("consideration", "Consideration")
HOLDER, BROKER = "huangbiao-township", "ningbo-ptc"
HEIGHT = 6
AGREEMENT_DOCUMENT = (
    "象山县黄避岙乡海洋碳汇交易协议 Huangbi'ao blue-carbon sale agreement 2023".encode()
)
"""The agreement as signed (off chain); the chain keeps its SHA-256 only."""
BODY: JsonObject = {
    "from_account": HOLDER,
    "to_account": "xiangshan-eco-account",
    "batch_id": "huangbiao-mariculture-2022-v1",
    "quantity_kg": 422_500,
    "broker": BROKER,
    "unit_price_fen_per_t": 10_600,
    "currency": "CNY",
    "agreement_hash": sha256(AGREEMENT_DOCUMENT).hex(),
}


def example_tx() -> SignedTx:
    """The township's credits.transfer_priced (nonce 1), co-signed by Ningbo PTC."""
    return sign_tx(
        signed_example_tx(HOLDER, "credits.transfer_priced", 1, BODY), example_key(BROKER)
    )


def example_record() -> Consideration:
    signed = example_tx()
    body = CreditsTransferPricedBody.from_json(signed.tx.body)
    total = total_fen(body.quantity_kg, body.unit_price_fen_per_t)
    return copy_fields(Consideration, body, tx_id=signed.tx_id, total_fen=total, height=HEIGHT)


def build_section() -> Section:
    signed, record = example_tx(), example_record()
    section = Section(
        "A worked example",
        f"The township ({HOLDER}) transfers 422,500 kg of the Huangbi'ao batch to the "
        f"Ecological Account through {BROKER}, which co-signs, at 106 yuan/t (10,600 fen/t, the "
        "2023 auction's closing price) under an illustrative agreement whose SHA-256 is "
        f"`agreement_hash`. At height {HEIGHT} the transfer moves the 422,500 kg as "
        "`credits.transfer` would and writes `consideration/<tx_id>`: 422,500 x 10,600 / "
        "1000 = 4,478,500 fen (44,785.00 yuan), integral, so no rounding "
        "(`tests/vectors/consideration_example.py`). Chain id and time as in "
        "docs/PROTOCOL.md §13.",
    )
    add_signed_tx(section, signed, "credits.transfer_priced")
    add_state_record(section, consideration_key(signed.tx_id), record.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
