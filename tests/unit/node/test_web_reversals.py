"""Reversals and insurance claims (ADR 0033) on the read side: the API lists and reads them,
the CSV exports have one row each, the registry links the exports in both languages. The
Xiangshan case, an accredited verifier, then the worked example's storm loss and claim, all
committed on a real Ledger."""

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from contracts.reversal_records import InsuranceClaim, Reversal
from node.web.i18n import MESSAGES
from protocol.codec import field_names
from protocol.tx import SignedTx
from tests.unit.node.api.kit import TestClient, make_api
from tests.unit.node.case_chain import VERIFIER, Signer, run_attestation, run_case, run_each
from tests.unit.node.chain_kit import open_ledger
from tests.vectors import reversal_example as example

REVERSAL, CLAIM = example.REVERSAL_ID, example.CLAIM_ID


TX_IDS: dict[str, str] = {}
"""tx type -> the id of the fixture's reversal.report and insurance.claim."""


@contextmanager
def serving_loss(
    data: Path, more: Callable[[Signer], tuple[SignedTx, ...]] = lambda _signer: ()
) -> Iterator[TestClient]:
    """The API over a real Ledger holding the Xiangshan case, an accredited verifier, the
    worked example's storm loss and claim, then the txs `more` signs; closed afterwards."""
    ledger = open_ledger(data)
    signer = Signer()
    run_case(ledger, signer)
    run_attestation(ledger, signer)
    report = dict(example.REPORT_BODY) | {"verifier": VERIFIER}
    txs = (
        signer.tx(VERIFIER, "reversal.report", report),
        signer.tx(example.TRADING_CENTRE, "insurance.claim", dict(example.CLAIM_BODY)),
    )
    TX_IDS.update(run_each(ledger, (*txs, *more(signer))).by_type)
    _service, _inbox, app = make_api(ledger)
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        ledger.store.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with serving_loss(tmp_path_factory.mktemp("reversals") / "data") as test_client:
        yield test_client


def test_the_api_lists_and_reads_reversals_and_claims(client: TestClient) -> None:
    record = client.get(f"/v1/reversals/{REVERSAL}").json()
    assert record == client.get(f"/v1/state/reversal/{REVERSAL}").json()["value"]
    assert (record["buffer_drawn_kg"], record["uncovered_kg"]) == (50_000, 10_000)
    assert client.get("/v1/reversals").json() == {"items": [record], "next_cursor": None}
    claim = client.get(f"/v1/insurance-claims/{CLAIM}").json()
    assert claim["reversal_id"] == REVERSAL and claim["status"] == "filed"
    assert client.get("/v1/reversals/no-such-reversal").status_code == 404


@pytest.mark.parametrize(
    ("kind", "record", "row_id"),
    [("reversals", Reversal, REVERSAL), ("insurance-claims", InsuranceClaim, CLAIM)],
)
def test_the_csv_exports_have_one_row_each(
    client: TestClient, kind: str, record: type[Reversal | InsuranceClaim], row_id: str
) -> None:
    response = client.get(f"/export/{kind}.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    fields = list(field_names(record))
    assert rows[0][: len(fields)] == fields  # then what other records add (ADR 0035)
    assert len(rows) == 2 and row_id in rows[1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_registry_links_both_exports(client: TestClient, lang: str) -> None:
    page = client.get("/projects", params={"lang": lang}).text
    for kind in ("reversals", "insurance-claims"):
        assert f'href="/export/{kind}.csv"' in page
        english, chinese = MESSAGES[f"export.{kind}"]
        assert (english if lang == "en" else chinese) in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("Reversals and insurance claims", "Storm", "Not covered by the buffer", "Filed")),
        ("zh", ("碳汇损失（逆转）与保险理赔", "风暴", "缓冲未覆盖", "已提出")),
    ],
)
def test_the_batch_and_project_pages_show_the_loss_and_its_claim(
    client: TestClient, lang: str, words: tuple[str, ...]
) -> None:
    for path in (f"/batches/{example.BATCH_ID}", f"/projects/{example.PROJECT_ID}"):
        page = client.get(path, params={"lang": lang}).text
        for word in (*words, REVERSAL, CLAIM, "450,001–500,000", "¥60,000.00"):
            assert word.lower() in page.lower(), (path, word)
        assert 'href="/v1/insurance/eco-account-comprehensive-2023"' in page


def test_a_batch_without_reversals_says_so(client: TestClient) -> None:
    page = client.get("/batches/huangbiao-mariculture-2023-v1", params={"lang": "en"}).text
    assert "No reversal reported" in page


@pytest.mark.parametrize("tx_type", ["reversal.report", "insurance.claim"])
def test_the_tx_pages_show_both_txs(client: TestClient, tx_type: str) -> None:
    page = client.get(f"/txs/{TX_IDS[tx_type]}", params={"lang": "en"})
    assert page.status_code == 200
    assert REVERSAL in page.text


def test_the_drawn_buffer_serials_read_as_cancelled(client: TestClient) -> None:
    page = client.get(f"/batches/{example.BATCH_ID}/serials/450001-500000", params={"lang": "en"})
    assert page.status_code == 200
    assert "cancelled" in page.text.lower()
