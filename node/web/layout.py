"""The page shell shared by every registry page: navigation, search, language switch.

Pages are functions that return a `Page` (title and escaped body) or raise `PageError`
(404 / 400 with a message); `render_document` wraps either in templates/layout.html.
"""

import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from client.code_names import code_name
from node.web.i18n import Lang, text
from node.web.markup import Html, element, esc, join, render, url

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    title: str
    body: Html
    status: int = 200
    scripts: tuple[str, ...] = ()
    """Static script names (e.g. "checker.js") the page loads at the end of its body."""


class PageError(Exception):
    """A page that cannot be shown: status 404, 400 or 503, message for the reader."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Who is asking: the language, and the current path and query (for the switch)."""

    lang: Lang
    path: str = "/"
    query: dict[str, str] = field(default_factory=dict)

    def t(self, key: str, **values: object) -> str:
        """The text of key in this language, with $name values filled in."""
        return string.Template(text(self.lang, key)).safe_substitute(
            {k: str(v) for k, v in values.items()}
        )

    def code(self, value: object) -> str:
        """A stored code (judicial, mariculture, retired, court, …) named in this language."""
        return "—" if value is None else code_name(str(value), self.lang.value)

    def href(self, path: str, **query: str | int | None) -> str:
        return url(path, {**query, "lang": self.lang.value})

    def link(self, path: str, label: object, **query: str | int | None) -> Html:
        return element("a", label, href=self.href(path, **query))

    def switch_href(self) -> str:
        return url(self.path, {**self.query, "lang": self.lang.other.value})


NAV = (
    ("/", "nav.dashboard"),
    ("/blocks", "nav.blocks"),
    ("/projects", "nav.projects"),
    ("/cases", "nav.cases"),
    ("/retirements", "nav.retirements"),
    ("/auctions", "nav.auctions"),
    ("/checker", "nav.checker"),
)


@cache
def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def render_document(ctx: Context, page: Page, chain_line: str) -> str:
    """The whole HTML document of a page."""
    nav = join(ctx.link(path, ctx.t(key)) for path, key in NAV)
    scripts = join(element("script", "", src=f"/static/{name}") for name in page.scripts)
    return render(
        template("layout.html"),
        html_lang="zh-CN" if ctx.lang is Lang.ZH else "en",
        title=page.title,
        site=ctx.t("site"),
        home=ctx.href("/"),
        nav=nav,
        lang=ctx.lang.value,
        query=ctx.query.get("q", "") if ctx.path == "/search" else "",
        search_placeholder=ctx.t("search.placeholder"),
        search_label=ctx.t("nav.search"),
        lang_href=ctx.switch_href(),
        other_lang=ctx.lang.other.value,
        lang_label=ctx.t("lang.switch"),
        body=page.body,
        footer=ctx.t("footer"),
        chain_line=chain_line,
        scripts=scripts,
    )


def error_page(ctx: Context, error: PageError) -> Page:
    key = {404: "error.not_found", 503: "error.busy"}.get(error.status, "error.bad_request")
    body = join(
        [
            element("p", error.message, class_="error"),
            element("p", ctx.link("/", ctx.t("error.back"))),
        ]
    )
    return Page(title=ctx.t(key), body=body, status=error.status)


def section(title: str, content: Html) -> Html:
    return join([element("h2", title), content])


def muted(value: object) -> Html:
    return element("span", value, class_="muted")


def mono(value: object, full: str | None = None) -> Html:
    """A hash or key in monospace; full goes in the title attribute when shortened."""
    return element("code", value, title=full)


__all__ = ["Context", "Page", "PageError", "esc", "render_document"]
