"""One receipt identity (PROTOCOL.md §14.6): the case's receipt fetched from each of the
three nodes, at two checkpoint sizes, shows one receipt id and one digest in its JSON, in
the node's PDF (pdftotext), in that PDF's QR code (zbarimg), in the checker page and on the
retirement page (zh and en), while the files themselves differ (fresher checkpoints, other
certificates).
"""

import hashlib
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.proofs import RECEIPT_VERSION
from tests.browser.conftest import CaseNetwork

pytestmark = pytest.mark.browser
GROWTH_WAIT_S = 40.0


def checkpoint_size(receipt: bytes) -> int:
    """The size line of the receipt's checkpoint note (§14.3)."""
    note = json.loads(receipt)["history_proof"].partition("\n\n")[2]
    return int(note.split("\n")[1])


def fetch(url: str, retirement_id: str) -> bytes:
    response = httpx.get(f"{url}/v1/receipts/{retirement_id}", timeout=10)
    response.raise_for_status()
    return response.content


def fetch_later(url: str, retirement_id: str, after_size: int) -> bytes:
    """The receipt once the node's checkpoint has grown past after_size."""
    deadline = time.monotonic() + GROWTH_WAIT_S
    while True:
        receipt = fetch(url, retirement_id)
        if checkpoint_size(receipt) > after_size or time.monotonic() > deadline:
            return receipt
        time.sleep(0.5)


def pdf_text_and_qr(url: str, retirement_id: str, directory: Path) -> tuple[str, str]:
    response = httpx.get(f"{url}/retirements/{retirement_id}/receipt.pdf", timeout=30)
    assert response.status_code == 200, response.text[:200]
    pdf = directory / "receipt.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # Grey levels, as zbarimg reads any image, and PGM: the PNG encoding of the page cost
    # ~0.6 s of CPU a page, the rendering itself ~0.03 (stop 54).
    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-f", "1", "-l", "1", str(pdf), str(directory / "page")],
        check=True,
    )
    (image,) = directory.glob("page*.pgm")
    qr = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()
    image.unlink()
    return text, qr


def checker_facts(page: Any, receipts: list[bytes]) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = page.evaluate(
        """async (texts) => {
        const engine = await LantanVerify.selectEngine();
        const genesis = await LantanVerify.loadGenesis(
            document.getElementById('lantan-genesis').textContent, engine);
        const out = [];
        for (const text of texts) {
            const r = await LantanVerify.verifyReceipt(text, genesis, engine);
            out.push(r.valid ? r.facts : {code: r.code});
        }
        return out;
    }""",
        [r.decode("utf-8") for r in receipts],
    )
    return facts


def test_one_id_and_digest_from_every_node_at_two_heights(
    page: Any, network: CaseNetwork, tmp_path: Path, cjk_font: Any
) -> None:
    for tool in ("pdftotext", "pdftoppm", "zbarimg"):
        if subprocess.run(["which", tool], capture_output=True, check=False).returncode:
            pytest.skip(f"{tool} not found: run scripts/system-deps")
    rid = network.retirement_id
    first = [fetch(url, rid) for url in network.urls]
    digest = json.loads(first[0])["receipt_digest"]
    # The PDFs and the checker pages come first: the chain grows meanwhile, so the second
    # round of fetches rarely has to wait for a newer checkpoint.
    for index, url in enumerate(network.urls):
        directory = tmp_path / f"node{index}"
        directory.mkdir()
        text, qr = pdf_text_and_qr(url, rid, directory)
        assert rid in text and digest in text, url
        assert qr == f"lantan-receipt:{rid}:{digest}", url
    for url in network.urls:  # and the retirement page of each node, in both languages
        for lang, label in (("zh", "凭证摘要"), ("en", "Receipt digest")):
            page.goto(f"{url}/retirements/{rid}?lang={lang}")
            assert page.inner_text("#receipt-id") == rid, (url, lang)
            assert page.inner_text("#receipt-digest") == digest, (url, lang)
            row = page.locator("tr", has=page.locator("#receipt-digest"))
            assert label in row.inner_text(), (url, lang)
    for url in network.urls:  # the checker page of each node, where checker_facts runs
        page.goto(f"{url}/checker?lang=en&receipt={rid}")
        page.wait_for_selector("#verdict[data-verdict='VALID']", timeout=30_000)
        assert page.inner_text("tr[data-fact='receipt_digest'] td") == digest
        assert page.inner_text("tr[data-fact='receipt_id'] td") == rid

    grown = max(checkpoint_size(r) for r in first)
    second = [fetch_later(url, rid, grown) for url in network.urls]
    receipts = first + second
    assert min(checkpoint_size(r) for r in second) > min(checkpoint_size(r) for r in first)
    assert len({hashlib.sha256(r).hexdigest() for r in receipts}) >= 2  # the files differ
    assert {json.loads(r)["receipt_digest"] for r in receipts} == {digest}
    assert {json.loads(r)["retirement_id"] for r in receipts} == {rid}
    facts = checker_facts(page, receipts)
    assert [(f.get("receipt_id"), f.get("receipt_digest")) for f in facts] == [(rid, digest)] * 6
    assert {f["receipt_version"] for f in facts} == {RECEIPT_VERSION}  # what nodes serve
    # and the PDF each node renders now, against its newer checkpoint
    for index, url in enumerate(network.urls):
        directory = tmp_path / f"later{index}"
        directory.mkdir()
        text, qr = pdf_text_and_qr(url, rid, directory)
        assert digest in text and qr == f"lantan-receipt:{rid}:{digest}", url
