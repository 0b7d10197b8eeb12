"""The worked example of verification.attest, docs/STATE.md "Accredited verification"
(ADR 0026).

`python -m tests.vectors.attestation_example --rewrite` writes it into docs/STATE.md
(between its own markers) and tests/vectors/attestation-v1.json;
test_single_examples.py fails when either is stale. Chain id and time are those of
docs/PROTOCOL.md §13, whose bytes this leaves alone; the verifier's key is an example key
made the §13 way.
"""

import sys

from contracts.bodies_registry import VerificationAttestBody
from contracts.credit_records import AttestedVerification
from contracts.state_keys import attested_verification_key
from protocol.codec import copy_fields
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.tx import SignedTx
from tests.vectors.protocol_examples import (
    Section,
)
from tests.vectors.state_examples import add_state_record, signed_example_tx, state_example

EXAMPLE = state_example("attestation", "Accredited verification")
VERIFIER = "zhejiang-marine-monitoring"
HEIGHT = 14
BODY: JsonObject = {
    "verification_id": "huangbiao-mariculture-2023",
    "project_id": "huangbiao-mariculture",
    "period_start": "2023-01-01",
    "period_end": "2023-12-31",
    "methodology_id": "HY/T 0305-2021",
    "methodology_version": "2021",
    "net_sink_kg": 480_000,
    "reports": [
        {"label": "monitoring_report", "sha256": sha256(b"monitoring report 2023").hex()},
        {"label": "tenure_certificate", "sha256": sha256(b"sea-area use certificate").hex()},
        {"label": "verification_report", "sha256": sha256(b"verification report 2023").hex()},
    ],
    "verifier": VERIFIER,
}


def example_tx() -> SignedTx:
    return signed_example_tx(VERIFIER, "verification.attest", 1, BODY)


def example_record() -> AttestedVerification:
    signed = example_tx()
    body = VerificationAttestBody.from_json(signed.tx.body)
    return copy_fields(
        AttestedVerification, body, attested_by=signed.tx.sender, height=HEIGHT, issued_kg=0
    )


def build_section() -> Section:
    signed = example_tx()
    section = Section(
        "A worked example",
        f"{VERIFIER} (an institution holding `verifier`; its key is the §13 example key of "
        f"that name) attests the 2023 verification of the Huangbi'ao project; the tx commits "
        f"at height {HEIGHT}, before any issuance from it. Chain id and time as in "
        "docs/PROTOCOL.md §13.",
    )
    section.add("JCS(signed tx)", signed.canonical_bytes().decode())
    section.add("tx_id", signed.tx_id)
    add_state_record(
        section, attested_verification_key(str(BODY["verification_id"])), example_record().to_json()
    )
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
