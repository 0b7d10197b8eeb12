"""batch.link (ADR 0028): labels and external registry ids on a batch; one external id
names at most one batch, through the index `external_id/<registry>/<id>`."""

from typing import Any

import pytest

from contracts.link_records import BatchLinkBody, BatchLinks, ExternalIdClaim
from contracts.state_keys import batch_links_key, external_id_key
from contracts.store import load
from genesis.example.parties import party_key
from genesis.example.xiangshan_case import BATCH_ID, PROJECT_ID, TOWNSHIP_ACCOUNT
from protocol.errors import SchemaError, UnknownFieldError
from tests.unit.contracts.conftest import run_steps
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO = party_key("xiangshan-county"), party_key("ningbo-ptc")
AUDITOR, TOWNSHIP = party_key("zhejiang-auditor"), party_key("holder-0")
CCER = {"registry": "ccer", "id": "CCER-14-002-V01-0001"}
VERRA = {"registry": "verra", "id": "VCS-1234"}
SECOND_BATCH = "huangbiao-mariculture-2023-v1"


def link_body(batch_id: str = BATCH_ID, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "batch_id": batch_id,
        "labels": ["ccer_eligible", "mariculture"],
        "external_ids": [CCER],
    }
    return body | changes


def links(chain: TestChain, batch_id: str = BATCH_ID) -> BatchLinks | None:
    return load(chain.state, batch_links_key(batch_id), BatchLinks.from_json)


def claim(chain: TestChain, registry: str, external_id: str) -> ExternalIdClaim | None:
    key = external_id_key(registry, external_id)
    return load(chain.state, key, ExternalIdClaim.from_json)


@pytest.fixture
def two_batches(issued: TestChain) -> TestChain:
    """As issued, and a second batch of the same project from a 2023 verification."""
    verification = {
        "verification_id": "huangbiao-2023",
        "project_id": PROJECT_ID,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "verification_body": "verifier",
        "report_hashes": ["33" * 32],
        "verified_kg": 10_000,
    }
    assert issued.submit("verification.record", COUNTY, verification).reason is None
    issue = {
        "batch_id": SECOND_BATCH,
        "verification_id": "huangbiao-2023",
        "vintage": 2023,
        "quantity_kg": 9_000,
        "buffer_kg": 1_000,
        "to_account": TOWNSHIP_ACCOUNT,
    }
    assert issued.submit("credits.issue", COUNTY, issue).reason is None
    return issued


def test_the_project_issuer_links_a_batch_and_both_records_are_written(
    issued: TestChain,
) -> None:
    assert issued.submit("batch.link", COUNTY, link_body()).reason is None
    record = links(issued)
    assert record is not None and record.to_json() == link_body()
    index = claim(issued, "ccer", CCER["id"])
    assert index is not None
    assert index.to_json() == {
        **CCER,
        "batch_id": BATCH_ID,
        "linked_by": COUNTY.public_key.hex(),
        "height": issued.height,
    }
    assert claim(issued, "verra", "VCS-1234") is None


def test_links_only_grow_and_each_claim_keeps_its_height(issued: TestChain) -> None:
    assert issued.submit("batch.link", COUNTY, link_body()).reason is None
    first_height = issued.height
    more = link_body(labels=["corsia_eligible"], external_ids=[CCER, VERRA])
    assert issued.submit("batch.link", COUNTY, more).reason is None
    record = links(issued)
    assert record is not None
    assert record.labels == ("ccer_eligible", "corsia_eligible", "mariculture")
    assert [e.to_json() for e in record.external_ids] == [CCER, VERRA]
    ccer, verra = claim(issued, "ccer", CCER["id"]), claim(issued, "verra", VERRA["id"])
    assert ccer is not None and ccer.height == first_height
    assert verra is not None and verra.height == issued.height > first_height
    # Naming only what the batch already carries changes nothing and is refused.
    same = link_body(labels=["mariculture"], external_ids=[VERRA])
    assert issued.submit("batch.link", COUNTY, same).reason == "links_unchanged"


def test_one_external_id_names_at_most_one_batch(two_batches: TestChain) -> None:
    assert two_batches.submit("batch.link", COUNTY, link_body()).reason is None
    again = link_body(SECOND_BATCH, labels=["mariculture"], external_ids=[CCER, VERRA])
    assert two_batches.submit("batch.link", COUNTY, again).reason == "external_id_claimed"
    # The refused tx wrote nothing: VERRA is still free, the second batch has no links.
    assert (
        claim(two_batches, "verra", VERRA["id"]) is None
        and links(two_batches, SECOND_BATCH) is None
    )
    # The same id in another registry is another id.
    other = link_body(SECOND_BATCH, external_ids=[{"registry": "verra", "id": CCER["id"]}])
    assert two_batches.submit("batch.link", COUNTY, other).reason is None
    index = claim(two_batches, "ccer", CCER["id"])
    assert index is not None and index.batch_id == BATCH_ID


def test_only_the_project_issuer_links(issued: TestChain) -> None:
    assert issued.submit("batch.link", AUDITOR, link_body()).reason == "signer_lacks_role"
    grant = {"institution_id": "zhejiang-auditor", "role": "issuer"}
    assert issued.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    assert issued.submit("batch.link", AUDITOR, link_body()).reason == "not_project_issuer"
    unknown = link_body("no-such-batch")
    assert issued.submit("batch.link", COUNTY, unknown).reason == "unknown_batch"
    assert links(issued) is None and claim(issued, "ccer", CCER["id"]) is None


def test_a_batch_carries_at_most_eight_labels_and_eight_external_ids(issued: TestChain) -> None:
    ids = [{"registry": "verra", "id": f"VCS-{n}"} for n in range(1, 8)]
    assert issued.submit("batch.link", COUNTY, link_body(external_ids=ids)).reason is None
    ninth = link_body(labels=[], external_ids=[CCER, {"registry": "gold_standard", "id": "GS-1"}])
    assert issued.submit("batch.link", COUNTY, ninth).reason == "too_many_links"
    assert claim(issued, "ccer", CCER["id"]) is None
    assert (
        issued.submit("batch.link", COUNTY, link_body(labels=[], external_ids=[CCER])).reason
        is None
    )
    labels = ["algae", "article6_authorized", "corsia_eligible", "icvcm_ccp", "judicial_use"]
    labels.append("mangrove")
    assert (
        issued.submit("batch.link", COUNTY, link_body(labels=labels, external_ids=[])).reason
        is None
    )
    one_more = link_body(labels=["salt_marsh"], external_ids=[])
    assert issued.submit("batch.link", COUNTY, one_more).reason == "too_many_links"
    record = links(issued)
    assert record is not None and len(record.labels) == 8 and len(record.external_ids) == 8


def test_a_retired_or_cancelled_batch_may_still_be_linked() -> None:
    chain = run_steps(TestChain.create(), 7)  # the judicial retirement of the case is done
    body = link_body(external_ids=[VERRA])
    assert chain.submit("batch.link", COUNTY, body).reason is None
    index = claim(chain, "verra", VERRA["id"])
    assert index is not None and index.batch_id == BATCH_ID


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"labels": ["mariculture", "ccer_eligible"]}, "ascending"),
        ({"labels": ["mariculture", "mariculture"]}, "ascending"),
        ({"labels": ["organic"]}, "labels"),
        ({"labels": [], "external_ids": []}, "name something"),
        ({"external_ids": [VERRA, CCER]}, "ascending"),
        ({"external_ids": [CCER, CCER]}, "ascending"),
        ({"external_ids": [{"registry": "other", "id": "X-1"}]}, "registry"),
        ({"external_ids": [{"registry": "ccer", "id": "ccer-lower"}]}, "id"),
        ({"external_ids": [{"registry": "ccer", "id": "A/B"}]}, "id"),
        ({"external_ids": [{"registry": "ccer", "id": "-A"}]}, "id"),
        ({"external_ids": [{"registry": "ccer", "id": "A" * 97}]}, "id"),
        ({"labels": ["algae"] * 9}, "labels"),
        ({"external_ids": [{"registry": "ccer", "id": "A", "note": 1}]}, "note"),
    ],
)
def test_the_body_is_read_strictly(change: dict[str, Any], match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        BatchLinkBody.from_json(link_body(**change))


def test_real_external_ids_are_read() -> None:
    ids = [
        {"registry": "gold_standard", "id": "GS1-1-CN-GS11234-2-2021-21234-1-100"},
        {
            "registry": "verra",
            "id": "12345-123456789-123456800-VCU-034-APX-CN-14-1234-01012022-31122022-0",
        },
        {"registry": "xiamen_ptc", "id": "XM.2023_0001"},
    ]
    body = link_body(labels=[], external_ids=ids)
    assert BatchLinkBody.from_json(body).to_json() == body
    with pytest.raises(UnknownFieldError):
        BatchLinkBody.from_json(link_body(extra=1))
