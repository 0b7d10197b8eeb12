"""node/web without a browser: escaping, language choice, the offline checker file, CSV."""

import json
import re

from node.receipt_pdfs import PdfCache
from node.web.checker import genesis_json_for_script, offline_checker_html, static_file
from node.web.exports import _cell
from node.web.i18n import MESSAGES, Lang, pick_lang
from node.web.markup import Html, definitions, element, esc, pre_text, render


def test_markup_escapes_everything_that_is_not_html() -> None:
    assert esc("<b>&\"'") == "&lt;b&gt;&amp;&quot;&#x27;"
    assert element("td", "<x>") == "<td>&lt;x&gt;</td>"
    assert element("a", Html("<i>ok</i>"), href='"/x"') == '<a href="&quot;/x&quot;"><i>ok</i></a>'
    assert render("<p>$v</p>", v="<script>") == "<p>&lt;script&gt;</p>"
    joined = Html("<i>") + "<b>"
    assert isinstance(joined, Html) and joined == "<i>&lt;b&gt;"
    assert "<b>" + Html("<i>") == "&lt;b&gt;<i>"
    assert "&lt;td&gt;" not in definitions([("a", "b")])


def test_language_comes_from_the_query_then_accept_language() -> None:
    assert pick_lang("zh", "en-US") is Lang.ZH
    assert pick_lang("en", "zh-CN") is Lang.EN
    assert pick_lang(None, "zh-CN,zh;q=0.9") is Lang.ZH
    assert pick_lang("fr", None) is Lang.EN
    assert all(english and chinese for english, chinese in MESSAGES.values())


def test_genesis_cannot_close_its_script_element() -> None:
    embedded = genesis_json_for_script({"chain_name": "</script><script>alert(1)</script>"})
    assert "</" not in embedded and "<" not in embedded
    assert json.loads(embedded)["chain_name"].startswith("</script>")


def test_offline_checker_is_one_file_that_asks_for_nothing() -> None:
    html = offline_checker_html({"chain_name": "x", "validators": {"validators": [], "quorum": 1}})
    assert "default-src 'none'" in html
    assert re.search(r"<(script|link|img)[^>]+(src|href)=", html) is None
    for name in ("vendor/sha2.js", "vendor/ed25519.js", "verify.js", "checker.js"):
        found = static_file(name)
        assert found is not None and found[0].decode() in html
    assert static_file("../pyproject.toml") is None


def test_csv_cells_never_start_a_formula() -> None:
    assert _cell({"reason": "=HYPERLINK(1)"}, "reason") == "'=HYPERLINK(1)"
    assert _cell({"ranges": [[1, 5], [9, 9]]}, "ranges") == "1-5 9-9"
    assert _cell({"case_id": None}, "case_id") == ""


def test_bidi_controls_are_shown_not_obeyed() -> None:
    # U+202E rendered raw would make "acct-\u202eevil" read backwards on the page.
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        shown = esc(f"acct-{chr(code)}x")
        assert chr(code) not in shown
        assert f"[U+{code:04X}]" in shown
    assert element("a", "x", title="\u2066y") == '<a title="[U+2066]y">x</a>'


def test_controls_and_invisible_characters_are_shown_too() -> None:
    # Stop 55: one rule with the CLI and the PDF (client/shown_text.py).
    assert esc("Acme\nretired\x1b[2K\u200b") == "Acme[U+000A]retired[U+001B][2K[U+200B]"
    # A <pre>'s own line breaks stay; a control inside a line is shown.
    assert pre_text('{\n  "a": "b\u202e"\n}') == "{\n  &quot;a&quot;: &quot;b[U+202E]&quot;\n}"


def test_csv_cells_with_leading_space_or_fullwidth_formula_signs_are_quoted() -> None:
    for text in (" =1+1", "\t=1", "\uff1dSUM(A1)", "\uff0b1", "\uff0d1", "\uff20x", "\u3000=1"):
        assert _cell({"reason": text}, "reason") == "'" + text
    assert _cell({"reason": "plain text"}, "reason") == "plain text"


def test_the_receipt_pdf_cache_is_a_bounded_lru() -> None:
    cache = PdfCache(entries=2)
    cache.put(b"r1", b"%PDF-1")
    cache.put(b"r2", b"%PDF-2")
    assert cache.get(b"r1") == b"%PDF-1"  # r1 is now the most recent
    cache.put(b"r3", b"%PDF-3")
    assert (cache.get(b"r2"), cache.get(b"r1"), cache.get(b"r3")) == (None, b"%PDF-1", b"%PDF-3")
    assert cache.hits == 3
