"""The public receipt PDF route, asked for by many (stop 55's hostile pass).

100 requests at once for one retirement's PDF rendered it 100 times on the server's thread
pool (0.3-1 s of CPU each, under the interpreter's lock), and the node's /healthz took
25-30 s to answer; the cache, keyed by the receipt's bytes, missed after every checkpoint.
Now the cache is keyed by the receipt's digest (the same for every copy of the receipt), and
one PDF renders at a time: past it, 503 with Retry-After at once (node/receipt_pdfs.py).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from node.chain_view import ChainView
from node.receipt_pdfs import PdfCache
from node.service import NodeService
from tests.unit.client.receipt_pdf_kit import cjk_font_or_skip
from tests.unit.node.api.kit import TestClient, make_api
from tests.unit.node.case_chain import run_case, sign_checkpoint
from tests.unit.node.chain_kit import build_and_commit, open_ledger


@dataclass(frozen=True)
class PdfSite:
    client: Any
    service: NodeService
    view: ChainView
    retirement_id: str

    def pdf(self) -> Any:
        return self.client.get(f"/retirements/{self.retirement_id}/receipt.pdf")

    def receipt(self) -> bytes:
        answer = self.client.get(f"/v1/receipts/{self.retirement_id}")
        assert answer.status_code == 200, answer.text
        content: bytes = answer.content
        return content

    def next_checkpoint(self) -> None:
        build_and_commit(self.service.ledger)
        self.service.after_commit()
        sign_checkpoint(self.service)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PdfSite]:
    cjk_font_or_skip()
    ledger = open_ledger(tmp_path_factory.mktemp("pdf-case") / "data")
    txs = run_case(ledger)
    service, _inbox, app = make_api(ledger)
    sign_checkpoint(service)
    try:
        with TestClient(app) as client:
            yield PdfSite(
                client=client,
                service=service,
                view=app.state.view,
                retirement_id=txs.by_type["credits.retire_judicial"],
            )
    finally:
        ledger.store.close()


def test_a_later_checkpoint_is_served_the_pdf_already_rendered(site: PdfSite) -> None:
    first = site.pdf()
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    receipt = site.receipt()
    site.next_checkpoint()
    assert site.receipt() != receipt  # the receipt's bytes changed with its checkpoint
    cache = site.view._pdfs.cache  # type: ignore[union-attr]
    hits = cache.hits
    again = site.pdf()
    assert again.status_code == 200 and again.content == first.content
    assert cache.hits == hits + 1


def test_while_one_renders_another_is_told_to_ask_again(site: PdfSite) -> None:
    pdfs = site.view._pdfs
    assert pdfs is not None
    pdfs.cache = PdfCache()  # empty: the next request must render
    pdfs._rendering.acquire()  # one render under way
    try:
        busy = site.pdf()
    finally:
        pdfs._rendering.release()
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "2"
    assert "ask again in a few seconds" in busy.text
    assert busy.headers["content-type"].startswith("text/html")
    assert site.pdf().status_code == 200  # and once it is done, it renders
