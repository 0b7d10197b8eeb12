"""Pledges (ADR 0032) on the read side: GET /v1/pledges[/{id}], the pledges CSV export and
its link, on a real Ledger where the Township pledged part of its credits to a bank."""

import csv
import io
from collections.abc import Iterator

import pytest

from contracts.pledge_records import Pledge
from genesis.example.pledge_case import LENDER, PLEDGE_ID, PLEDGE_SETUP
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from node.web.exports import EXPORTS
from node.web.i18n import MESSAGES
from protocol.codec import field_names
from tests.unit.node.case_chain import CaseTxs, Signer, key, run_case, run_each
from tests.unit.node.chain_kit import open_ledger
from tests.unit.node.test_web_pages import Site, serving

PLEDGED = 10_000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ledger = open_ledger(tmp_path_factory.mktemp("pledges") / "data")
    signer = Signer()
    txs = run_case(ledger, signer)
    steps = []
    for step in PLEDGE_SETUP:
        body = dict(step.body)
        if step.tx_type == "institution.register":
            body["public_keys"] = [key(LENDER).public_key.hex()]
        if step.tx_type == "credits.pledge":
            body["quantity_kg"] = PLEDGED
        steps.append(signer.tx(step.sender, step.tx_type, body, step.cosigners))
    pledged = run_each(ledger, tuple(steps))
    with serving(ledger, CaseTxs(by_type=txs.by_type | pledged.by_type)) as served:
        yield served


def test_the_api_lists_and_reads_pledges(site: Site) -> None:
    record = site.client.get(f"/v1/pledges/{PLEDGE_ID}").json()
    stored = site.client.get(f"/v1/state/pledge/{PLEDGE_ID}").json()["value"]
    assert record == stored
    assert (record["status"], record["quantity_kg"], record["lender"]) == (
        "active",
        PLEDGED,
        LENDER,
    )
    assert site.client.get("/v1/pledges").json()["items"] == [record]
    assert site.client.get("/v1/pledges/no-such-pledge").status_code == 404
    first = record["ranges"][0][0]
    mark = site.client.get(f"/v1/state/pledged/{record['batch_id']}/{first:016d}").json()
    assert mark["value"]["pledge_id"] == PLEDGE_ID


def test_the_pledges_csv(site: Site) -> None:
    assert 'href="/export/pledges.csv"' in site.page("/projects")
    response = site.client.get("/export/pledges.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(field_names(Pledge)) == list(EXPORTS["pledges"][1])
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["pledge_id"], row["status"], row["quantity_kg"]) == (
        PLEDGE_ID,
        "active",
        str(PLEDGED),
    )
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ("Pledged", "10,000 kg (10 t)", "pledged")), ("zh", ("已质押", "10,000 kg (10 t)"))],
)
def test_the_account_page_shows_pledged_kg(site: Site, lang: str, words: tuple[str, ...]) -> None:
    page = site.page(f"/accounts/{TOWNSHIP_ACCOUNT}", lang)
    table = page[page.index('id="holdings"') :]
    assert all(word in table for word in words), lang


@pytest.mark.parametrize(("lang", "label"), [("en", "Pledged"), ("zh", "已质押")])
def test_the_batch_page_shows_its_pledged_kg_beside_its_pledged_blocks(
    site: Site, lang: str, label: str
) -> None:
    """The batch's fields total its PLEDGED blocks (ADR 0035 read side), which the blocks
    table below lists one by one."""
    page = site.page(f"/batches/{BATCH_ID}", lang)
    blocks_heading = "Serial blocks" if lang == "en" else "序列号区块"
    fields, blocks = page.split(blocks_heading, 1)
    named = MESSAGES["f.pledged"][0 if lang == "en" else 1]
    assert named.startswith(label)
    row = f'<th scope="row">{named}</th><td>10,000 kg (10 t)</td>'
    assert row in fields
    assert "pledged" in blocks.lower() or "质押" in blocks


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Pledge huangbiao-2024-loan-001", "active", "Lender", "10,000 kg (10 t)")),
        ("zh", ("质押 huangbiao-2024-loan-001", "质权银行", "质押合同（SHA-256）")),
    ],
)
def test_the_pledge_page(site: Site, lang: str, words: tuple[str, ...]) -> None:
    page = site.page(f"/pledges/{PLEDGE_ID}", lang)
    assert all(word in page for word in words), lang
    assert f'href="/institutions/{LENDER}' in page
    assert site.client.get("/pledges/no-such-pledge").status_code == 404
    assert site.client.get("/pledges/Not_A_Slug").status_code == 400


def test_the_batch_page_sums_pledged_kg_over_blocks_it_does_not_list(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page lists the first LIST_LIMIT blocks; its totals count every block."""
    monkeypatch.setattr("node.web.pages_batches.LIST_LIMIT", 1)
    monkeypatch.setattr("node.web.page_parts.LIST_LIMIT", 1)  # the list's note
    page = site.page(f"/batches/{BATCH_ID}")
    listed = page[page.index('class="serial-blocks"') :]
    assert "pledged" not in listed[: listed.index("</table>")], "the pledged block is not listed"
    assert "Showing the first 1." in page
    assert '<th scope="row">Pledged (ADR 0032)</th><td>10,000 kg (10 t)</td>' in page


def test_the_batch_api_and_issuances_csv_show_its_pledged_and_escrowed_kg(site: Site) -> None:
    """The same exact totals as the batch page: GET /v1/batches/{id}, its listing, and the
    issuances CSV export (none of the batch is in an auction here)."""
    record = site.client.get(f"/v1/batches/{BATCH_ID}").json()
    assert (record["pledged_kg"], record["escrowed_kg"]) == (PLEDGED, 0)
    listed = {b["batch_id"]: b for b in site.client.get("/v1/batches").json()["items"]}
    assert listed[BATCH_ID] == record
    response = site.client.get("/export/issuances.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(EXPORTS["issuances"][1])
    row = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == BATCH_ID), strict=True))
    assert (row["pledged_kg"], row["escrowed_kg"]) == (str(PLEDGED), "0")
