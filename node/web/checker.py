"""The receipt checker: the served page and the self-contained offline HTML file.

Both pin the node's genesis document inside the page (a JSON script element, "<" escaped
so no text can close it) and verify receipts in the browser with static/verify.js. The
offline file inlines the stylesheet and every script, and its content security policy
forbids all network requests, so it works the same opened from file://.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from client.code_names import CODE_NAMES
from client.receipt.codes import ALTERED_CODES
from node.web.i18n import Lang
from node.web.layout import Context, Page, template
from node.web.markup import Html, element, join, render

STATIC = Path(__file__).parent / "static"
CHECKER_SCRIPTS = ("vendor/sha2.js", "vendor/ed25519.js", "verify.js", "checker.js")
STATIC_TYPES = {
    "style.css": "text/css; charset=utf-8",
    **dict.fromkeys(CHECKER_SCRIPTS, "text/javascript; charset=utf-8"),
}
CHECKER_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The served checker runs only this node's own scripts and may fetch only from it."""


@cache
def static_file(name: str) -> tuple[bytes, str] | None:
    """A whitelisted static asset and its content type; None for any other name."""
    content_type = STATIC_TYPES.get(name)
    if content_type is None:
        return None
    return (STATIC / name).read_bytes(), content_type


def genesis_json_for_script(genesis: dict[str, Any]) -> Html:
    """The genesis as JSON that is safe inside <script type="application/json">."""
    text = json.dumps(genesis, ensure_ascii=False, indent=1)
    return Html(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def checker_body(genesis: dict[str, Any], *, language_button: bool) -> Html:
    """The checker itself. language_button: the offline file's own language switch; a
    served page has the header's switch instead, which re-renders the whole page."""
    # The code names (client/code_names.py) travel with the page, so the checker names
    # codes exactly as the PDF and the registry pages do, offline too; so does the list of
    # codes that mean the receipt was altered, so the page and the CLI say it alike.
    names = {code: list(names) for code, names in CODE_NAMES.items()}
    altered = sorted(code.value for code in ALTERED_CODES)
    button = element(
        "button", "中文", id="checker-lang", type="button", class_="secondary", data_i18n="lang"
    )
    return render(
        template("checker_body.html"),
        genesis_json=genesis_json_for_script(genesis),
        names_json=genesis_json_for_script(names),
        altered_json=genesis_json_for_script({"altered": altered}),
        language_button=button if language_button else Html(""),
    )


def checker_page(ctx: Context, genesis: dict[str, Any], notice: str | None = None) -> Page:
    """The served checker; notice says why ?receipt= named no receipt to check."""
    offline = element(
        "p",
        element(
            "a",
            ctx.t("checker.offline"),
            href="/checker/offline.html",
            download="lantan-receipt-checker.html",
            id="offline-link",
        ),
        class_="muted",
    )
    parts = [checker_body(genesis, language_button=False), offline]
    if notice is not None:
        parts.insert(0, element("p", notice, id="receipt-notice", class_="notice warning"))
    return Page(title=ctx.t("checker.title"), body=join(parts), scripts=CHECKER_SCRIPTS)


def _inline_script(name: str) -> str:
    found = static_file(name)
    assert found is not None, name
    source = found[0].decode("utf-8")
    assert "</script" not in source.lower(), f"{name} cannot be inlined"
    return f"<script>/* {name} */\n{source}</script>"


def offline_checker_html(genesis: dict[str, Any], lang: Lang = Lang.EN) -> str:
    """One self-contained HTML file that checks receipts of this genesis from file://."""
    style = static_file("style.css")
    assert style is not None
    chain_name = str(genesis.get("chain_name", ""))
    return render(
        template("offline.html"),
        html_lang="zh-CN" if lang is Lang.ZH else "en",
        chain_name=chain_name,
        style=Html(style[0].decode("utf-8")),
        checker_body=checker_body(genesis, language_button=True),
        scripts=Html("\n".join(_inline_script(name) for name in CHECKER_SCRIPTS)),
    )
