"""The receipt checker in Debian's chromium: the case's receipt is VALID, every tampered
receipt of the tests/receipts corpus is INVALID with the code the Python verifier gives,
with WebCrypto, with its Ed25519 disabled, with crypto.subtle removed, with every network
request aborted, from file://, and served over plain http to a non-localhost name.
"""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from node.web.checker import offline_checker_html
from tests.browser.conftest import CaseNetwork, Corpus, screenshot
from tests.receipts import network_vector
from tests.receipts.tamper import TamperCase, field_cases, python_code

pytestmark = pytest.mark.browser
CASE_NUMBER = "（2023）浙0225刑初001号"

NO_ED25519 = """(() => {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return;
  const importKey = subtle.importKey.bind(subtle);
  subtle.importKey = (format, data, algorithm, ...rest) => {
    const name = typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name;
    if (String(name).toLowerCase() === 'ed25519') {
      return Promise.reject(new DOMException('Ed25519 disabled by the test', 'NotSupportedError'));
    }
    return importKey(format, data, algorithm, ...rest);
  };
})();"""
NO_SUBTLE = (
    """Object.defineProperty(Crypto.prototype, 'subtle', { get() { return undefined; } });"""
)


def wait_ready(page: Any) -> None:
    page.wait_for_selector("body[data-checker-ready='1']", timeout=20_000)


def verdict(page: Any) -> tuple[str, str]:
    page.wait_for_selector("#verdict", timeout=30_000)
    return page.get_attribute("#verdict", "data-verdict"), page.get_attribute(
        "#verdict", "data-code"
    )


def run_in_page(page: Any, cases: list[TamperCase]) -> dict[str, str]:
    """Each case through the page's own verifier and pinned genesis: name -> code."""
    # Bytes, not text: some cases are not UTF-8 or start with a byte-order mark.
    payload = [{"name": c.name, "receipt": base64.b64encode(c.receipt).decode()} for c in cases]
    results: dict[str, str] = page.evaluate(
        """async (cases) => {
        const engine = await LantanVerify.selectEngine();
        const genesis = await LantanVerify.loadGenesis(
            document.getElementById('lantan-genesis').textContent, engine);
        const out = {};
        for (const c of cases) {
            const bytes = Uint8Array.from(atob(c.receipt), (ch) => ch.charCodeAt(0));
            const r = await LantanVerify.verifyReceiptBytes(bytes, genesis, engine);
            out[c.name] = r.valid ? '' : r.code;
        }
        return out;
    }""",
        payload,
    )
    return results


def engine_labels(page: Any) -> tuple[str, str]:
    wait_ready(page)
    return page.get_attribute("#crypto-engine", "data-sha256"), page.get_attribute(
        "#crypto-engine", "data-ed25519"
    )


def network_cases(network: CaseNetwork) -> list[TamperCase]:
    """The corpus' field mutations of the real network's receipt, plus the receipt itself."""
    receipt = json.loads(network.receipt)
    cases = field_cases(receipt, checkpoint_quorum=2)
    return [TamperCase("the network's receipt", network.receipt, ""), *cases]


def offline_file(tmp_path: Path, genesis: dict[str, Any], name: str) -> str:
    path = tmp_path / name
    path.write_text(offline_checker_html(genesis), encoding="utf-8")
    return path.as_uri()


def paste_v4_vector(page: Any, tmp_path: Path, name: str) -> None:
    """The offline checker for the vectors' pinned genesis, at tmp_path/name, given the
    format-4 vector receipt as pasted text (the text path of the page), found VALID."""
    vectors = Path(__file__).parents[1] / "vectors"
    pinned = json.loads((vectors / "receipt-v1-genesis.json").read_bytes())
    page.goto(offline_file(tmp_path, pinned, name))
    wait_ready(page)
    page.fill("#receipt-text", (vectors / "receipt-v4.json").read_text(encoding="utf-8"))
    page.click("#verify-button")
    assert verdict(page) == ("VALID", "")


# --- the served checker -----------------------------------------------------------------


def test_case_receipt_is_valid_from_the_retirement_page(page: Any, network: CaseNetwork) -> None:
    page.goto(f"{network.url}/retirements/{network.retirement_id}?lang=en")
    page.click("#receipt-check")
    assert verdict(page) == ("VALID", "")
    facts = page.inner_text("#facts")
    assert CASE_NUMBER in facts and "422,500 kg CO2e (422.5 t CO2e)" in facts
    assert "huangbiao-mariculture-2022-v1 1–422,500" in facts
    assert (
        "2 of 3 validators signed (quorum 2)" in facts
        or "3 of 3 validators signed (quorum 2)" in facts
    )
    assert "Xiangshan County People's Court" in facts and "王某某" in facts
    assert page.get_attribute("#transport", "data-transport") == "local"
    assert engine_labels(page) == ("webcrypto", "webcrypto")
    assert network.retirement_id in page.inner_text("#facts")
    screenshot(page, "checker-valid")


def test_picked_file_and_pasted_text_give_verdicts(
    page: Any, network: CaseNetwork, tmp_path: Path
) -> None:
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(network.receipt)
    page.goto(f"{network.url}/checker?lang=en")
    wait_ready(page)
    page.set_input_files("#receipt-file", str(receipt_file))
    assert verdict(page) == ("VALID", "")
    # Verify pressed after choosing the file checks the file again: it checked the empty text
    # box and showed a red INVALID (MALFORMED) for this VALID receipt (stop 55).
    page.evaluate("document.getElementById('result').textContent = ''")
    page.click("#verify-button")
    assert verdict(page) == ("VALID", "")
    tampered = json.loads(network.receipt)
    tampered["tx"]["signed_tx"]["tx"]["body"]["quantity_kg"] = 1
    page.fill("#receipt-text", json.dumps(tampered, ensure_ascii=False, indent=2))
    page.click("#verify-button")
    page.wait_for_selector("#verdict[data-verdict='INVALID']")
    assert page.inner_text("#reason-code") == "WRONG_RETIREMENT"
    screenshot(page, "checker-invalid")
    page.fill("#receipt-text", "not json {")
    page.click("#verify-button")
    page.wait_for_selector("#reason-code:text('MALFORMED')")
    # Nothing given (the text typed over the file, then emptied): no verdict, a hint.
    page.fill("#receipt-text", "")
    page.click("#verify-button")
    page.wait_for_selector("#result:text('Nothing to verify yet')")
    assert page.query_selector("#verdict") is None


def test_drop_a_receipt_file(page: Any, network: CaseNetwork) -> None:
    page.goto(f"{network.url}/checker?lang=en")
    wait_ready(page)
    transfer = page.evaluate_handle(
        """(text) => {
        const data = new DataTransfer();
        data.items.add(new File([text], 'receipt.json', { type: 'application/json' }));
        return data;
    }""",
        network.receipt.decode("utf-8"),
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    assert verdict(page) == ("VALID", "")


def test_network_receipt_mutations_match_the_python_verifier(
    page: Any, network: CaseNetwork
) -> None:
    page.goto(f"{network.url}/checker")
    wait_ready(page)
    cases = network_cases(network)
    codes = run_in_page(page, cases)
    expected = {c.name: python_code(c.receipt, network.genesis) for c in cases}
    assert codes == expected
    assert expected["the network's receipt"] == "" and sum(1 for c in expected.values() if c) >= 20


def test_same_verdicts_with_every_request_aborted(
    browser: Any, network: CaseNetwork, tmp_path: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{network.url}/checker?lang=en")
    wait_ready(page)
    aborted: list[str] = []

    def abort(route: Any) -> None:
        aborted.append(route.request.url)
        route.abort()

    context.route("**/*", abort)
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(network.receipt)
    page.set_input_files("#receipt-file", str(receipt_file))
    assert verdict(page) == ("VALID", "")
    cases = network_cases(network)
    assert run_in_page(page, cases) == {
        c.name: python_code(c.receipt, network.genesis) for c in cases
    }
    assert aborted == []  # the checker asked for nothing, so nothing needed aborting
    context.close()


# --- the corpus of tests/receipts, offline ------------------------------------------------


def test_corpus_from_file_with_all_requests_aborted(
    browser: Any, tamper_corpus: Corpus, tmp_path: Path
) -> None:
    context = browser.new_context()
    file_url = offline_file(tmp_path, tamper_corpus.genesis, "checker.html")
    aborted: list[str] = []

    def abort_all_but_the_file(route: Any) -> None:
        if route.request.url == file_url:
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort()

    context.route("**/*", abort_all_but_the_file)
    page = context.new_page()
    page.goto(file_url)
    assert page.get_attribute("#transport", "data-transport") == "file"
    codes = run_in_page(page, tamper_corpus.cases)
    assert codes == {c.name: c.code for c in tamper_corpus.cases}
    assert len(codes) >= 60 and "re-sealed unchanged (control)" in codes
    context.close()
    assert aborted == []  # the offline file asks for nothing beyond itself


def test_real_set_change_receipts_from_file(page: Any, tmp_path: Path) -> None:
    """Receipts real nodes served across a real validators.update (the vector file that
    test_network_receipts.py writes): VALID in the page, offline under their own genesis,
    and with the change stripped the code both Python verifiers give."""
    genesis, receipts = network_vector.load()
    page.goto(offline_file(tmp_path, json.loads(genesis), "checker.html"))
    wait_ready(page)
    cases = network_vector.cases(receipts)
    codes = run_in_page(page, cases)
    assert codes == {c.name: python_code(c.receipt, genesis) for c in cases}
    assert codes == {c.name: c.code for c in cases}
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(cases[0].receipt)  # before the change: listed, in the log
    page.set_input_files("#receipt-file", str(receipt_file))
    assert verdict(page) == ("VALID", "")


SIGNATURE_CODES = frozenset(
    {
        "",
        "BAD_TX_SIGNATURE",
        "BAD_CERTIFICATE",
        "BAD_CHECKPOINT",
        "CHECKPOINT_QUORUM",
        "QUORUM_NOT_REACHED",
        "DUPLICATE_SIGNER",
        "NOT_A_VALIDATOR",
    }
)
"""The corpus codes an Ed25519 verification decides ("" is VALID: every signature holds)."""


def signature_cases(cases: list[TamperCase]) -> list[TamperCase]:
    """The cases Ed25519 decides, and every fifth of the others."""
    return [c for i, c in enumerate(cases) if c.code in SIGNATURE_CODES or i % 5 == 0]


@pytest.mark.parametrize(
    "variant",
    [(NO_ED25519, ("webcrypto", "js"), False), (NO_SUBTLE, ("js", "js"), True)],
    ids=["webcrypto-ed25519-disabled", "crypto-subtle-removed"],
)
def test_fallback_crypto_gives_the_same_verdicts(
    browser: Any,
    tamper_corpus: Corpus,
    tmp_path: Path,
    variant: tuple[str, tuple[str, str], bool],
) -> None:
    """Every case with both engines in JS; with WebCrypto's SHA-256 and JS Ed25519, the
    cases Ed25519 decides (the JS Ed25519 is the same code in both; the pure-JS runs of the
    whole corpus twice were ~20 s of the browser tier's 120 beside the chaos tier)."""
    init_script, expected_engines, whole = variant
    cases = tamper_corpus.cases if whole else signature_cases(tamper_corpus.cases)
    context = browser.new_context()
    context.add_init_script(init_script)
    page = context.new_page()
    page.goto(offline_file(tmp_path, tamper_corpus.genesis, "checker.html"))
    assert engine_labels(page) == expected_engines
    codes = run_in_page(page, cases)
    assert codes == {c.name: c.code for c in cases}
    context.close()


def test_plain_http_to_another_host_warns_and_still_verifies(
    browser: Any, network: CaseNetwork, tmp_path: Path
) -> None:
    """The node's pages as if served by http://registry.example (routed to the local node)."""
    context = browser.new_context()

    def proxy(route: Any) -> None:
        local = route.request.url.replace("http://registry.example", network.url)
        route.fulfill(response=route.fetch(url=local))

    context.route("http://registry.example/**", proxy)
    page = context.new_page()
    page.goto("http://registry.example/checker?lang=en")
    wait_ready(page)
    assert page.get_attribute("#transport", "data-transport") == "http"
    assert "plain HTTP" in page.inner_text("#transport")
    assert engine_labels(page) == ("js", "js")  # no secure context: no crypto.subtle
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(network.receipt)
    page.set_input_files("#receipt-file", str(receipt_file))
    assert verdict(page) == ("VALID", "")
    screenshot(page, "checker-plain-http")
    context.close()


def test_checker_switches_language_in_page(
    page: Any, network: CaseNetwork, tmp_path: Path, cjk_font: Any
) -> None:
    page.goto(offline_file(tmp_path, json.loads(network.genesis), "checker.html"))
    wait_ready(page)
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_bytes(network.receipt)
    page.set_input_files("#receipt-file", str(receipt_file))
    assert verdict(page) == ("VALID", "")
    page.click("#checker-lang")
    assert page.inner_text("#verdict") == "有效"
    assert "区块认证" in page.inner_text("#facts") and "3 个验证节点中" in page.inner_text("#facts")
    assert "司法注销" in page.inner_text("#facts") and "海水养殖" in page.inner_text("#facts")
    screenshot(page, "checker-valid-zh")


def test_each_signing_key_is_shown_in_force_at_the_tx_height(page: Any, tmp_path: Path) -> None:
    """ADR 0024: the worked example's two signers, their institutions and roles, in force."""
    vectors = Path(__file__).parents[1] / "vectors"
    genesis = json.loads((vectors / "receipt-v1-genesis.json").read_bytes())
    page.goto(offline_file(tmp_path, genesis, "checker.html"))
    wait_ready(page)
    page.set_input_files("#receipt-file", str(vectors / "receipt-v3.json"))
    assert verdict(page) == ("VALID", "")
    shown = page.inner_text("tr[data-fact='tx_keys'] td")
    # The roles it signs in: "validator" beside another role read as if the court had
    # certified the block (stop 48); the block's certifiers have their own row.
    assert "Xiangshan County People's Court (court)" in shown
    assert "Xiangshan County Development and Reform Bureau (issuer)" in shown
    page.click("#checker-lang")
    assert "象山县人民法院 (法院)" in page.inner_text("tr[data-fact='tx_keys'] td")
    assert shown.count("in force at height 7, when it signed") == 2
    assert "--key-status" in shown


def test_a_receipt_chosen_as_the_genesis_file_is_named_a_receipt(page: Any, tmp_path: Path) -> None:
    """A clerk picking the receipt under "Check against another genesis file" (the first
    file button on the page) read "The pinned genesis does not load: ... genesis.validators:
    expected an object": now the page names the receipt and keeps the pinned genesis."""
    vectors = Path(__file__).parents[1] / "vectors"
    genesis = json.loads((vectors / "receipt-v1-genesis.json").read_bytes())
    page.goto(offline_file(tmp_path, genesis, "checker.html"))
    wait_ready(page)
    printable = tmp_path / "receipt.pdf"
    printable.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for mistaken in (vectors / "receipt-v3.json", printable):
        page.set_input_files("#genesis-file", str(mistaken))
        page.wait_for_selector("#result:has-text('not a genesis file')")
        assert "is a receipt" in page.inner_text("#result")
    not_genesis = tmp_path / "other.json"
    not_genesis.write_text('{"validators": 1}')
    page.set_input_files("#genesis-file", str(not_genesis))
    page.wait_for_selector("#result:has-text('The chosen file is not a genesis file')")
    page.set_input_files("#receipt-file", str(vectors / "receipt-v3.json"))
    assert verdict(page) == ("VALID", "")  # against the pinned genesis, still in use
