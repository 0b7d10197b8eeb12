"""node/web without a browser: escaping, language choice, the offline checker file, CSV."""

import json
import re

from node.web.checker import genesis_json_for_script, offline_checker_html, static_file
from node.web.exports import _cell
from node.web.i18n import MESSAGES, Lang, pick_lang
from node.web.markup import Html, definitions, element, esc, render


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
