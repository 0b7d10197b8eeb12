"""Accredited verifications (ADR 0026) on the web registry, in the API lists and in the CSV
export: the Xiangshan case, then a verifier accredited by the validator quorum attests the
2023 verification and the county issues a batch from it, all committed on a real Ledger."""

import csv
import io
from collections.abc import Iterator

import pytest

from client.code_names import CODE_NAMES, code_name
from contracts.credit_records import REPORT_LABELS, AttestedVerification
from node.web.i18n import MESSAGES
from protocol.codec import field_names
from tests.unit.node.api.kit import TestClient, make_api
from tests.unit.node.case_chain import (
    ATTESTED_BATCH,
    ATTESTED_ID,
    VERIFIER,
    CaseTxs,
    Signer,
    run_attestation,
    run_case,
)
from tests.unit.node.chain_kit import KEYS, open_ledger
from tests.unit.node.test_web_pages import BATCH, Site
from tests.vectors.attestation_example import example_record

EXAMPLE = example_record()
REPORTS = {report.label: report.sha256.hex() for report in EXAMPLE.reports}
PROJECT = EXAMPLE.project_id
PAGE = f"/attested-verifications/{ATTESTED_ID}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ledger = open_ledger(tmp_path_factory.mktemp("attested") / "data")
    signer = Signer()
    txs = run_case(ledger, signer)
    attestation = run_attestation(ledger, signer)
    _service, _inbox, app = make_api(ledger)
    try:
        with TestClient(app) as client:
            yield Site(client=client, txs=CaseTxs(by_type=txs.by_type | attestation.by_type))
    finally:
        ledger.store.close()


def test_report_labels_are_named_from_the_one_shared_table() -> None:
    """The project page said "Sea or land use right certificate" (海域或土地使用权证书) where
    the PDF, the CLI and the checker say "tenure certificate" (权属证书): the web had a
    table of its own. It names labels from client/code_names.py now, as they do."""
    assert not [key for key in MESSAGES if key.startswith("report.")]
    assert all(label in CODE_NAMES for label in REPORT_LABELS)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Accredited verification body", "monitoring report", "tenure certificate")),
        ("zh", ("经认可的核证机构", "监测报告", "核证报告", "权属证书", "方法学版本")),
    ],
)
def test_the_project_page_shows_the_attested_verification_in_words(
    site: Site, lang: str, words: tuple[str, ...]
) -> None:
    page = site.page(f"/projects/{PROJECT}", lang)
    table = page[page.index('class="attested"') :]
    assert f'href="{PAGE}?lang={lang}">{ATTESTED_ID}</a>' in table
    assert f'href="/institutions/{VERIFIER}?lang={lang}">{VERIFIER}</a>' in table
    assert "2023-01-01 – 2023-12-31" in table
    assert "<td>HY/T 0305-2021</td>" in table and "<td>2021</td>" in table
    assert "480,000 kg (480 t)" in table  # net sink
    assert "200,000 kg (200 t)" in table  # issued from it, buffer included
    digest = REPORTS["verification_report"]
    assert f'<code title="{digest}">{digest[:16]}…</code>' in table
    for word in words:
        assert word in page
    for label in REPORT_LABELS:
        assert label not in page  # named in words, never the stored code


def test_the_projects_list_shows_attested_verifications_and_their_export(site: Site) -> None:
    for lang, heading in (
        ("en", "accredited verification body"),
        ("zh", "经认可的核证机构签署的核证"),
    ):
        page = site.page("/projects", lang)
        assert heading in page
        assert f'href="{PAGE}?lang={lang}">{ATTESTED_ID}</a>' in page
        assert 'href="/export/attested-verifications.csv"' in page


def test_the_attested_verification_page_shows_the_record_and_its_batches(site: Site) -> None:
    english = site.page(PAGE)
    for label, digest in REPORTS.items():
        words = code_name(label, "en")
        assert f"<div>{words} <code>{digest}</code></div>" in english
    auditor = KEYS[VERIFIER].public_key.hex()
    assert f'<code title="{auditor}">{auditor[:16]}…</code>' in english  # signed by its key
    auditor_name = "Blue Carbon Audit Office"
    assert f'{auditor_name} (<a href="/institutions/{VERIFIER}?lang=en">' in english
    batches = english[english.index('class="batches"') :]
    assert f'href="/batches/{ATTESTED_BATCH}?lang=en"' in batches
    assert BATCH not in batches  # the 2022 batch came from the issuer-recorded verification
    chinese = site.page(PAGE, "zh")
    assert f"核证机构核证 {ATTESTED_ID}" in chinese and "据此核证签发的批次" in chinese
    assert "监测期" in chinese and "480,000 kg (480 t)" in chinese


def test_search_finds_an_attested_verification_by_its_id(site: Site) -> None:
    found = site.client.get("/search", params={"q": ATTESTED_ID}, follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"] == f"{PAGE}?lang=en"


def test_a_batch_and_the_txs_link_to_the_attested_verification_only(site: Site) -> None:
    link = f'href="{PAGE}?lang=zh">{ATTESTED_ID}</a>'
    assert link in site.page(f"/batches/{ATTESTED_BATCH}", "zh")
    for tx_type in ("verification.attest", "credits.issue"):
        assert link in site.page(f"/txs/{site.txs.by_type[tx_type]}", "zh")
    attest = site.page(f"/txs/{site.txs.by_type['verification.attest']}")
    assert f'href="/institutions/{VERIFIER}?lang=en">{VERIFIER}</a>' in attest
    recorded = site.page(f"/batches/{BATCH}")
    assert "/attested-verifications/" not in recorded


@pytest.mark.parametrize(("record_id", "status"), [("nothing-here", 404), ("Bad..Id", 400)])
def test_an_unknown_or_malformed_id_is_a_page_error(
    site: Site, record_id: str, status: int
) -> None:
    response = site.client.get(f"/attested-verifications/{record_id}")
    assert response.status_code == status


def test_the_csv_export_has_one_row_per_attested_verification(site: Site) -> None:
    response = site.client.get("/export/attested-verifications.csv")
    assert response.status_code == 200
    assert "lantan-attested-verifications.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(field_names(AttestedVerification))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["verification_id"] == ATTESTED_ID and row["verifier"] == VERIFIER
    assert row["net_sink_kg"] == "480000" and row["issued_kg"] == "200000"
    assert row["reports"] == " ".join(f"{label}:{digest}" for label, digest in REPORTS.items())
    assert row["attested_by"] == KEYS[VERIFIER].public_key.hex()


def test_the_api_lists_and_reads_attested_verifications(site: Site) -> None:
    record = site.client.get(f"/v1/attested-verifications/{ATTESTED_ID}").json()
    state = site.client.get(f"/v1/state/attested_verification/{ATTESTED_ID}").json()
    assert record == state["value"]
    assert record["issued_kg"] == 200_000 and record["verifier"] == VERIFIER
    listed = site.client.get("/v1/attested-verifications", params={"limit": 1}).json()
    assert listed == {"items": [record], "next_cursor": None}
    missing = site.client.get("/v1/attested-verifications/huangbiao-mariculture-2022")
    assert missing.status_code == 404  # an issuer-recorded verification is not attested
    for limit in (0, 101):
        bad = site.client.get("/v1/attested-verifications", params={"limit": limit})
        assert bad.status_code == 400
