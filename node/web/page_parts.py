"""What the registry's record pages share: a slug checked, a record required, names from
the chain, a list's truncation note, reports and verification periods.
"""

from collections.abc import Sequence
from typing import Protocol, TypeVar

from contracts.credit_records import (
    AttestationFields,
    LabelledHash,
    VerificationFields,
)
from node.chain_view import ChainView
from node.registry_records import LIST_LIMIT
from node.web.formatting import short_hex
from node.web.layout import Context, PageError, mono, muted
from node.web.links import institution_link
from node.web.markup import Html, element, join

R = TypeVar("R")


SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def check_slug(value: str, what: str) -> str:
    """An identifier of docs/STATE.md ([a-z0-9][a-z0-9._-]{0,63}), else a 400 page."""
    if not 1 <= len(value) <= 64 or not set(value) <= SLUG_CHARS or value[0] in "._-":
        raise PageError(400, f"not a valid {what} id: {value!r}")
    return value


def require(record: R | None, what: str, record_id: str) -> R:
    """The record a page is about, else a 404 page."""
    if record is None:
        raise PageError(404, f"no {what} {record_id!r} on this chain")
    return record


class Named(Protocol):
    """A record with a Chinese and an English name (projects, institutions)."""

    @property
    def name_zh(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def name_in(ctx: Context, record: Named) -> str:
    english, chinese = record.name_en, record.name_zh
    return (chinese or english) if ctx.lang.value == "zh" else (english or chinese)


def named_institution(ctx: Context, view: ChainView, institution_id: str) -> Html:
    """An institution's name in this language, with a link by its id."""
    institution = view.records.institution(institution_id)
    link = institution_link(ctx, institution_id)
    return link if institution is None else join([name_in(ctx, institution), " (", link, ")"])


def list_note(ctx: Context, truncated: bool) -> Html:
    return muted(ctx.t("list.truncated", count=LIST_LIMIT)) if truncated else Html("")


def period_text(_ctx: Context, record: VerificationFields | AttestationFields) -> str:
    return f"{record.period_start} – {record.period_end}"


def reports_list(ctx: Context, reports: Sequence[LabelledHash], *, short: bool) -> Html:
    """Each report named in words, with its SHA-256 (shortened in tables, full in its title).
    The words are the labels' code names (client/code_names.py), as the receipt PDF and the
    checker name them: one table, so a label reads the same on every surface."""
    lines = []
    for report in reports:
        digest = report.sha256.hex()
        shown = mono(short_hex(digest, 16), digest) if short else mono(digest)
        lines.append(element("div", join([ctx.code(report.label), " ", shown])))
    return join(lines)
