"""Project boundary and tenure (ADR 0027), batch labels and registry links (ADR 0028) and the
verification behind retired credits (ADR 0026, 0030) in the API, the web pages and the CSV
exports: the Xiangshan case, an accredited verification and a batch from it, then the worked
examples of project.tenure and batch.link and a voluntary retirement of the attested batch,
all committed on a real Ledger."""

import csv
import io
from collections.abc import Iterator

import pytest

from client.code_names import CODE_NAMES
from contracts.link_records import LINK_LABELS, REGISTRIES
from contracts.tenure_records import CERTIFICATE_KINDS, TenureStatus
from genesis.example.xiangshan_case import CASE_ID
from node.web.exports import ISSUANCE_COLUMNS, PROJECT_COLUMNS, RETIREMENT_COLUMNS
from node.web.formatting import area_text, centroid_text, degrees_text
from tests.unit.node import case_chain
from tests.unit.node.chain_kit import build_and_commit, open_ledger
from tests.unit.node.test_web_pages import BATCH, Site, serving
from tests.vectors.links_example import EXTERNAL_ID, REGISTRY
from tests.vectors.links_example import example_records as link_records
from tests.vectors.tenure_example import BODY as TENURE_BODY

ATTESTED_BATCH, ATTESTED_ID = case_chain.ATTESTED_BATCH, case_chain.ATTESTED_ID
VERIFIER = case_chain.VERIFIER
PROJECT = str(TENURE_BODY["project_id"])
NUMBER = str(TENURE_BODY["certificate_number"])
KIND = str(TENURE_BODY["certificate_kind"])
BOUNDARY = str(TENURE_BODY["boundary_sha256"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ledger = open_ledger(tmp_path_factory.mktemp("tenure") / "data")
    with serving(ledger, case_chain.run_linked(ledger)) as served:
        yield served


@pytest.mark.parametrize(
    ("udeg", "text"),
    [
        (29_422_500, "29.422500° N"),
        (-29_422_500, "29.422500° S"),
        (5, "0.000005° N"),
        (-90_000_000, "90.000000° S"),
        (0, "0.000000° N"),
    ],
)
def test_degrees_are_exact(udeg: int, text: str) -> None:
    assert degrees_text(udeg, "N", "S") == text


def test_centroid_and_area_are_exact() -> None:
    assert centroid_text(29_422_500, -121_857_500) == "29.422500° N, 121.857500° W"
    assert area_text(3_400_000) == "3,400,000 m² (340 ha)"
    assert area_text(1) == "1 m² (0.0001 ha)"
    assert area_text(12_345) == "12,345 m² (1.2345 ha)"
    assert area_text(10**12) == "1,000,000,000,000 m² (100,000,000 ha)"


def test_every_new_code_is_named_in_both_languages() -> None:
    codes = {*LINK_LABELS, *REGISTRIES, *CERTIFICATE_KINDS}
    codes |= {TenureStatus.ACTIVE, TenureStatus.ENDED}
    for code in codes:
        english, chinese = CODE_NAMES[code]
        assert english and chinese and "_" not in english + chinese, code


def test_the_api_adds_tenure_to_projects_and_links_to_batches(site: Site) -> None:
    project = site.client.get(f"/v1/projects/{PROJECT}").json()
    stored = site.client.get(f"/v1/state/project/{PROJECT}").json()["value"]
    assert {k: v for k, v in project.items() if k in stored} == stored  # nothing changed
    assert set(project) - set(stored) == {"tenure"}
    tenure = site.client.get(f"/v1/state/project_tenure/{PROJECT}").json()["value"]
    assert project["tenure"] == tenure and tenure["status"] == "active"
    assert site.client.get("/v1/projects").json()["items"][0]["tenure"] == tenure
    batch = site.client.get(f"/v1/batches/{BATCH}").json()
    links = site.client.get(f"/v1/state/batch_links/{BATCH}").json()["value"]
    assert batch["links"] == links == link_records()[0].to_json()
    assert site.client.get(f"/v1/batches/{ATTESTED_BATCH}").json()["links"] is None
    listed = {b["batch_id"]: b["links"] for b in site.client.get("/v1/batches").json()["items"]}
    assert listed == {ATTESTED_BATCH: None, BATCH: links}


def test_a_certificate_answers_the_project_it_backs_or_where_the_absence_proof_is(
    site: Site,
) -> None:
    found = site.client.get(f"/v1/tenure/{KIND}/{NUMBER}")
    assert found.status_code == 200
    assert found.json()["key"] == f"tenure/{KIND}/{NUMBER}"
    assert found.json()["value"] == {
        "certificate_kind": KIND,
        "certificate_number": NUMBER,
        "project_id": PROJECT,
    }
    missing = site.client.get(f"/v1/tenure/land_tenure/{NUMBER}")
    assert missing.status_code == 404
    detail = missing.json()["error"]["detail"]
    assert "backs no active project" in detail
    assert f"/v1/proofs/state/tenure/land_tenure/{NUMBER}" in detail
    proof = site.client.get(f"/v1/proofs/state/tenure/land_tenure/{NUMBER}")
    assert proof.status_code == 200 and proof.json()["value"] is None
    assert site.client.get(f"/v1/tenure/deed/{NUMBER}").status_code == 400
    assert site.client.get(f"/v1/tenure/{KIND}/{NUMBER.lower()}").status_code == 400


def test_an_external_id_answers_its_batch_or_where_the_absence_proof_is(site: Site) -> None:
    found = site.client.get(f"/v1/external-ids/{REGISTRY}/{EXTERNAL_ID}")
    assert found.status_code == 200
    claim = found.json()["value"]
    assert (claim["registry"], claim["id"], claim["batch_id"]) == (REGISTRY, EXTERNAL_ID, BATCH)
    assert (
        claim == site.client.get(f"/v1/state/external_id/{REGISTRY}/{EXTERNAL_ID}").json()["value"]
    )
    missing = site.client.get(f"/v1/external-ids/verra/{EXTERNAL_ID}")
    assert missing.status_code == 404
    detail = missing.json()["error"]["detail"]
    assert "no batch claims" in detail
    assert f"/v1/proofs/state/external_id/verra/{EXTERNAL_ID}" in detail
    assert site.client.get(f"/v1/external-ids/other/{EXTERNAL_ID}").status_code == 400
    assert site.client.get(f"/v1/external-ids/{REGISTRY}/{EXTERNAL_ID.lower()}").status_code == 400


def test_the_openapi_document_lists_the_lookups(site: Site) -> None:
    paths = site.client.get("/openapi.json").json()["paths"]
    assert "/v1/tenure/{certificate_kind}/{certificate_number}" in paths
    assert "/v1/external-ids/{registry}/{external_id}" in paths


WORDS = {
    "tenure": {
        "en": ("sea-area use right certificate", "active", "Centroid"),
        "zh": ("海域使用权证书", "有效", "中心点", "面积"),
    },
    "links": {
        "en": ("CCER eligible", "for judicial use", "CCER ("),
        "zh": ("符合 CCER 要求", "司法用途", "海水养殖", "国家核证自愿减排量"),
    },
    "attested": {
        "en": ("accredited verifier, attested at height", "verification report", "480 t"),
        "zh": ("经认可的核证机构，于高度", "核证报告", "方法学版本", "核证净碳汇量"),
    },
}
"""Words each new part of a page shows, per language (codes named, never shown raw)."""
TITLES = {
    "tenure": {"en": "Boundary and tenure", "zh": "项目边界与权属"},
    "links": {"en": "Labels and other registries", "zh": "标签与外部登记"},
}


def part_of(site: Site, path: str, lang: str, part: str, css_class: str) -> str:
    """The page from the element of css_class on, once the section title and the words of
    WORDS[part] in lang are checked."""
    page = site.page(path, lang)
    if part in TITLES:
        assert TITLES[part][lang] in page
    shown = page[page.index(f'class="{css_class}"') :]
    for word in WORDS[part][lang]:
        assert word in shown, word
    return shown


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_project_page_shows_boundary_and_tenure(site: Site, lang: str) -> None:
    tenure = part_of(site, f"/projects/{PROJECT}", lang, "tenure", "tenure")
    assert f'<a href="/v1/tenure/{KIND}/{NUMBER}"><code>{NUMBER}</code></a>' in tenure
    assert f"<code>{BOUNDARY}</code>" in tenure
    assert "29.422500° N, 121.857500° E" in tenure
    assert "3,400,000 m² (340 ha)" in tenure
    listed = site.page("/projects", lang)
    table = listed[listed.index('id="projects"') :]
    certificate = WORDS["tenure"][lang][0]
    assert f"<td>{certificate} {NUMBER} ({WORDS['tenure'][lang][1]})</td>" in table


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_batch_page_shows_labels_and_external_ids(site: Site, lang: str) -> None:
    links = part_of(site, f"/batches/{BATCH}", lang, "links", "links")
    href = f"/v1/external-ids/{REGISTRY}/{EXTERNAL_ID}"
    assert f'<a href="{href}"><code>{EXTERNAL_ID}</code></a>' in links
    for code in ("ccer_eligible", "judicial_use"):
        assert code not in links  # named in words, never the stored code
    unlinked = site.page(f"/batches/{ATTESTED_BATCH}", lang)
    assert 'class="links"' not in unlinked
    assert ("No labels" if lang == "en" else "链上尚无标签") in unlinked


def test_search_finds_the_batch_of_an_external_id_and_the_project_of_a_certificate(
    site: Site,
) -> None:
    for query, path in (
        (EXTERNAL_ID.lower(), f"/batches/{BATCH}"),
        (NUMBER, f"/projects/{PROJECT}"),
    ):
        found = site.client.get("/search", params={"q": query}, follow_redirects=False)
        assert found.status_code == 303, query
        assert found.headers["location"].startswith(path), query


def test_the_judicial_retirement_shows_its_recorded_verification_and_case_status(
    site: Site,
) -> None:
    retirement_id = site.txs.by_type["credits.retire_judicial"]
    english = site.page(f"/retirements/{retirement_id}")
    assert '<strong id="case-status">satisfied</strong>' in english
    assert f'(<a href="/cases/{CASE_ID}?lang=en">{CASE_ID}</a>)' in english
    verification = english[english.index('class="verification recorded"') :]
    assert "Verification behind these credits" in english
    assert "(recorded by the issuer, not signed by the verifier)" in verification
    stored = site.client.get(f"/v1/batches/{BATCH}").json()["verification_id"]
    recorded = site.client.get(f"/v1/verifications/{stored}").json()
    assert recorded["verification_body"] in verification
    assert f"<code>{recorded['report_hashes'][0]}</code>" in verification
    chinese = site.page(f"/retirements/{retirement_id}", "zh")
    assert '<strong id="case-status">已履行</strong>' in chinese
    assert "所注销碳汇的核证" in chinese and "（由签发机构记录，非核证机构签署）" in chinese


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_retirement_of_attested_credits_shows_the_verifier(site: Site, lang: str) -> None:
    path = f"/retirements/{site.txs.by_type['credits.retire']}"
    verification = part_of(site, path, lang, "attested", "verification attested")
    assert f'href="/attested-verifications/{ATTESTED_ID}?lang={lang}"' in verification
    assert f'href="/institutions/{VERIFIER}?lang={lang}"' in verification
    assert "HY/T 0305-2021" in verification and "2023-01-01 – 2023-12-31" in verification
    assert 'id="case-status"' not in site.page(path)  # a voluntary retirement has no case


def _csv(site: Site, name: str) -> list[dict[str, str]]:
    response = site.client.get(f"/export/{name}.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_projects_csv_has_tenure_columns(site: Site) -> None:
    assert PROJECT_COLUMNS[-9:] == (
        "boundary_sha256",
        "centroid_lat_udeg",
        "centroid_lon_udeg",
        "area_m2",
        "certificate_kind",
        "certificate_number",
        "tenure_status",
        "tenure_height",
        "tenure_ended_height",
    )
    (row,) = [r for r in _csv(site, "projects") if r["project_id"] == PROJECT]
    assert row["boundary_sha256"] == BOUNDARY and row["area_m2"] == "3400000"
    assert (row["centroid_lat_udeg"], row["centroid_lon_udeg"]) == ("29422500", "121857500")
    assert (row["certificate_kind"], row["certificate_number"]) == (KIND, NUMBER)
    assert row["tenure_status"] == "active" and int(row["tenure_height"]) > 0
    assert row["tenure_ended_height"] == ""


def test_the_issuances_csv_has_labels_and_external_ids(site: Site) -> None:
    assert ISSUANCE_COLUMNS[-2:] == ("labels", "external_ids")
    rows = {r["batch_id"]: r for r in _csv(site, "issuances")}
    assert rows[BATCH]["labels"] == "ccer_eligible judicial_use mariculture"
    assert rows[BATCH]["external_ids"] == f"{REGISTRY}:{EXTERNAL_ID}"
    assert rows[ATTESTED_BATCH]["labels"] == rows[ATTESTED_BATCH]["external_ids"] == ""


def test_the_retirements_csv_has_verification_verifier_and_case_status(site: Site) -> None:
    assert RETIREMENT_COLUMNS[-3:] == ("verification_id", "verifier", "case_status")
    rows = {r["retirement_id"]: r for r in _csv(site, "retirements")}
    judicial = rows[site.txs.by_type["credits.retire_judicial"]]
    recorded = site.client.get(f"/v1/batches/{BATCH}").json()["verification_id"]
    body = site.client.get(f"/v1/verifications/{recorded}").json()["verification_body"]
    assert (judicial["verification_id"], judicial["verifier"]) == (recorded, body)
    assert judicial["case_status"] == "satisfied"
    voluntary = rows[site.txs.by_type["credits.retire"]]
    assert (voluntary["verification_id"], voluntary["verifier"]) == (ATTESTED_ID, VERIFIER)
    assert voluntary["case_status"] == ""


def test_an_ended_tenure_shows_its_end_and_frees_the_certificate(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ledger = open_ledger(tmp_path_factory.mktemp("ended") / "data")
    signer = case_chain.Signer()
    txs = case_chain.run_case(ledger, signer)
    with serving(ledger, txs) as site:
        assert site.client.get(f"/v1/projects/{PROJECT}").json()["tenure"] is None
        assert "No boundary or tenure certificate" in site.page(f"/projects/{PROJECT}")
        assert _csv(site, "projects")[0]["tenure_status"] == ""
        release = {"project_id": PROJECT}
        for signed in (
            signer.tx("xiangshan-county", "project.tenure", dict(TENURE_BODY)),
            signer.tx("xiangshan-county", "project.tenure_release", release),
        ):
            assert build_and_commit(ledger, (signed,)).results[0].reason is None
        tenure = site.client.get(f"/v1/projects/{PROJECT}").json()["tenure"]
        assert tenure["status"] == "ended" and tenure["ended_height"] == ledger.height
        assert site.client.get(f"/v1/tenure/{KIND}/{NUMBER}").status_code == 404
        page = site.page(f"/projects/{PROJECT}", "zh")
        tenure_html = page[page.index('class="tenure"') :]
        assert "已终止" in tenure_html and f"#{ledger.height:,}" in tenure_html
        assert _csv(site, "projects")[0]["tenure_ended_height"] == str(ledger.height)
