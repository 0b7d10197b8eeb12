"""The worked example of project.tenure, docs/STATE.md "Project boundary and tenure"
(ADR 0027).

`python -m tests.vectors.tenure_example --rewrite` writes it into docs/STATE.md (between its
own markers) and tests/vectors/tenure-v1.json; test_single_examples.py fails when either is
stale. Chain id and time are those of docs/PROTOCOL.md §13, whose bytes this leaves alone;
the issuer's key is an example key made the §13 way. The boundary, centroid, area and
certificate number are illustrative.
"""

import sys

from contracts.state_keys import project_tenure_key, tenure_claim_key
from contracts.tenure_records import ProjectTenure, ProjectTenureBody, TenureClaim, TenureStatus
from protocol.codec import copy_fields
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.tx import SignedTx
from tests.vectors.protocol_examples import (
    Section,
)
from tests.vectors.state_examples import add_state_record, signed_example_tx, state_example

EXAMPLE = state_example("tenure", "Project boundary and tenure")
ISSUER = "xiangshan-county"
HEIGHT = 15
BOUNDARY_GEOJSON = (
    b'{"type":"Feature","properties":{"project_id":"huangbiao-mariculture"},'
    b'"geometry":{"type":"Polygon","coordinates":[[[121.8470,29.4150],[121.8680,29.4150],'
    b"[121.8680,29.4300],[121.8470,29.4300],[121.8470,29.4150]]]}}"
)
"""The boundary document as filed (off chain); the chain keeps its SHA-256 only."""
BODY: JsonObject = {
    "project_id": "huangbiao-mariculture",
    "boundary_sha256": sha256(BOUNDARY_GEOJSON).hex(),
    "centroid_lat_udeg": 29_422_500,
    "centroid_lon_udeg": 121_857_500,
    "area_m2": 3_400_000,
    "certificate_kind": "sea_area_use",
    "certificate_number": "2019B33022500123",
}


def example_tx() -> SignedTx:
    return signed_example_tx(ISSUER, "project.tenure", 5, BODY)


def example_records() -> tuple[ProjectTenure, TenureClaim]:
    signed = example_tx()
    body = ProjectTenureBody.from_json(signed.tx.body)
    tenure = copy_fields(
        ProjectTenure,
        body,
        recorded_by=signed.tx.sender,
        height=HEIGHT,
        status=TenureStatus.ACTIVE,
        ended_height=None,
    )
    return tenure, copy_fields(TenureClaim, body)


def build_section() -> Section:
    signed = example_tx()
    tenure, claim = example_records()
    section = Section(
        "A worked example",
        f"{ISSUER} (the issuer that registered the Huangbi'ao project; its key is the §13 "
        f"example key of that name) records the project's boundary and its sea-area use "
        f"certificate; the tx commits at height {HEIGHT} and writes two records, the "
        "project's tenure and the certificate's index key. The boundary hash is SHA-256 of "
        "the GeoJSON file as filed (`tests/vectors/tenure_example.py` BOUNDARY_GEOJSON). "
        "Chain id and time as in docs/PROTOCOL.md §13.",
    )
    section.add("JCS(signed tx)", signed.canonical_bytes().decode())
    section.add("tx_id", signed.tx_id)
    add_state_record(section, project_tenure_key(tenure.project_id), tenure.to_json())
    claim_key = tenure_claim_key(claim.certificate_kind, claim.certificate_number)
    add_state_record(section, claim_key, claim.to_json())
    return section


if __name__ == "__main__":
    sys.exit(EXAMPLE.main(sys.argv[1:], build_section()))
