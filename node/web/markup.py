"""Escaped HTML fragments for the web registry: no template engine, no unescaped input.

Every value that reaches a page passes through `esc` unless it is already `Html` (built
here from escaped parts). Templates use string.Template `$name` placeholders, so CSS and
JavaScript braces need no quoting. Pure: no I/O.
"""

import html
import string
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode

from client.shown_text import shown


class Html(str):
    """A string of HTML that is safe to emit as is (every dynamic part was escaped)."""

    __slots__ = ()

    def __add__(self, other: str) -> "Html":
        return Html(str.__add__(self, esc(other)))

    def __radd__(self, other: str) -> "Html":
        return Html(str.__add__(esc(other), self))


def esc(value: object) -> Html:
    """value as HTML text: Html passes through, None is empty, anything else is escaped,
    with controls, bidi and zero-width characters made visible (client/shown_text.py): in
    a page they would reorder what follows (an account id could read as another), and an
    HTML escape like &#x202E; is still the control."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("")
    return Html(html.escape(shown(str(value)), quote=True))


def pre_text(text: str) -> Html:
    """Preformatted text (a <pre>'s content): its own line breaks kept, each line esc'd (a
    newline inside a JSON string is already written \\n by json.dumps)."""
    return Html("\n".join(esc(line) for line in text.split("\n")))


def render(template: str, **values: object) -> Html:
    """Fill a $name template; each value is escaped unless it is Html."""
    return Html(string.Template(template).substitute({k: esc(v) for k, v in values.items()}))


def join(parts: Iterable[object], separator: str = "") -> Html:
    return Html(separator.join(esc(part) for part in parts))


def element(name: str, content: object = "", **attributes: object) -> Html:
    """<name attr="...">content</name>; attribute names drop a trailing underscore (class_)."""
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{esc(value)}"'
        for key, value in attributes.items()
        if value is not None
    )
    return Html(f"<{name}{attrs}>{esc(content)}</{name}>")


def table(
    headers: Iterable[object], rows: Iterable[Iterable[object]], **attributes: object
) -> Html:
    """A table with a header row; cells are escaped unless they are Html."""
    head = join(element("th", cell) for cell in headers)
    body = join(element("tr", join(element("td", cell) for cell in row)) for row in rows)
    return element(
        "table", Html(f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"), **attributes
    )


def definitions(pairs: Iterable[tuple[object, object]]) -> Html:
    """A two-column table of label -> value (a record's fields)."""
    rows = join(
        element("tr", join([element("th", label, scope="row"), element("td", value)]))
        for label, value in pairs
    )
    return element("table", Html(f"<tbody>{rows}</tbody>"), class_="fields")


def url(path: str, query: Mapping[str, str | int | None] | None = None) -> str:
    """A same-site URL; path segments must already be quoted (see segment)."""
    kept = {k: v for k, v in (query or {}).items() if v is not None}
    return path + ("?" + urlencode(kept) if kept else "")


def segment(value: str) -> str:
    """One URL path segment, percent-encoded (ids from the chain are slugs, but be exact)."""
    return quote(value, safe="")
