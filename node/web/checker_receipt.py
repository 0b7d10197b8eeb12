"""The served checker's ?receipt= parameter: a full receipt id, or a prefix to resolve.

The page's script fetches /v1/receipts/<id>, which answers full 64-digit ids only; a clerk
who types the start of an id (as tables and the CLI print them) used to see nothing
happen. A prefix of at least 8 hex digits (the CLI's rule, client/id_prefix.py) is matched
here against this node's retirements, one key-range read, and a unique match becomes the
full id; anything else becomes a sentence saying what the checker needs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from client.id_prefix import ID_HEX_DIGITS, IdForm, id_form
from node.web.layout import Context


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptParam:
    """What ?receipt= names: full_id to check, or notice to show instead (not both)."""

    full_id: str | None = None
    notice: str | None = None


Lookup = Callable[[str], list[str]]
"""Up to two retirement ids that start with a prefix (two tell "unique" from "several")."""


def resolve_receipt_param(ctx: Context, text: str, lookup: Lookup) -> ReceiptParam:
    """The full receipt id text names, or a notice in ctx's language saying why there is none."""
    form, cleaned = id_form(text)
    shown = text.strip()[:ID_HEX_DIGITS]
    if form is IdForm.NOT_AN_ID:
        return ReceiptParam(notice=ctx.t("checker.receipt_bad", id=shown))
    if form is IdForm.FULL:
        return ReceiptParam(full_id=cleaned)
    if form is IdForm.TOO_SHORT:
        return ReceiptParam(notice=ctx.t("checker.receipt_short", id=shown))
    matches = lookup(cleaned)
    if len(matches) == 1:
        return ReceiptParam(full_id=matches[0])
    key = "checker.receipt_none" if not matches else "checker.receipt_many"
    return ReceiptParam(notice=ctx.t(key, id=shown))
