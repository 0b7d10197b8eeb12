"""The transaction page: a committed tx, its result, signers and body fields."""

import json

from node.chain_view import ChainView, CommittedTx
from node.web.consideration_view import consideration_fields
from node.web.formatting import kg_text, short_hex, time_text, yuan_text
from node.web.layout import Context, Page, PageError, mono, section
from node.web.links import (
    account_link,
    batch_link,
    block_link,
    case_link,
    institution_or_text,
    key_link,
    lot_link,
    project_link,
    retirement_link,
    verification_or_text,
)
from node.web.markup import Html, definitions, element, join, pre_text
from node.web.pages_chain import tx_status
from protocol.encoding import JsonObject


def tx_page(ctx: Context, view: ChainView, tx_id: str) -> Page:
    text = tx_id.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise PageError(400, f"a tx id is 64 hex digits, not {tx_id!r}")
    committed = view.find_tx(text)
    if committed is None:
        raise PageError(404, ctx.t("tx.unknown"))
    tx = committed.signed.tx
    pairs: list[tuple[object, object]] = [
        (ctx.t("f.tx_id"), mono(text)),
        (
            ctx.t("f.status"),
            join(
                [
                    tx_status(ctx, committed.result),
                    " ",
                    ctx.t("tx.committed", height=committed.height, index=committed.index),
                ]
            ),
        ),
        (ctx.t("f.block"), block_link(ctx, committed.height)),
        (ctx.t("f.time"), time_text(committed.time_ms)),
        (ctx.t("f.type"), element("strong", ctx.code(tx.type))),
        (ctx.t("f.sender"), key_link(ctx, view, tx.sender.hex())),
        (ctx.t("f.nonce"), tx.nonce),
        (ctx.t("f.expires"), time_text(tx.expires_at_ms)),
    ]
    signers = join(
        element("li", key_link(ctx, view, s.public_key.hex())) for s in committed.signed.signatures
    )
    pairs.append((ctx.t("f.signatures"), element("ul", signers)))
    body = join(
        [
            definitions(pairs),
            _related(ctx, view, committed),
            section(ctx.t("f.body"), body_fields(ctx, view, tx.body)),
            # The signed bytes' JSON is for auditors: folded, so a clerk reads names, not codes.
            element(
                "details",
                join(
                    [
                        element("summary", ctx.t("tx.raw")),
                        element(
                            "pre",
                            pre_text(
                                json.dumps(committed.signed.to_json(), ensure_ascii=False, indent=2)
                            ),
                        ),
                    ]
                ),
                id="tx-raw",
            ),
        ]
    )
    return Page(title=f"{ctx.t('tx.title')} {short_hex(text, 16)}", body=body)


def _related(ctx: Context, view: ChainView, committed: CommittedTx) -> Html:
    consideration = view.records.consideration(committed.tx_id)
    if consideration is not None:
        return section(ctx.t("consideration.title"), consideration_fields(ctx, consideration))
    if view.records.retirement(committed.tx_id) is None:
        return Html("")
    return element(
        "p",
        join([ctx.t("tx.see_retirement"), ": ", retirement_link(ctx, committed.tx_id)]),
        class_="related",
    )


ACCOUNT_FIELDS = frozenset({"account_id", "from_account", "to_account", "bidder_account"})
INSTITUTION_FIELDS = frozenset(
    {"court", "plaintiff", "broker", "custodian", "issuer", "insurer", "verifier", "operator"}
)
LINKED_FIELDS = {
    "batch_id": batch_link,
    "project_id": project_link,
    "case_id": case_link,
    "lot_id": lot_link,
}


def body_fields(ctx: Context, view: ChainView, body: JsonObject) -> Html:
    """A tx body as a field table; ids of records link to their pages."""
    pairs: list[tuple[object, object]] = []
    for name, value in body.items():
        if name in LINKED_FIELDS and isinstance(value, str):
            pairs.append((name, LINKED_FIELDS[name](ctx, value)))
        elif name in ACCOUNT_FIELDS and isinstance(value, str):
            pairs.append((name, account_link(ctx, value)))
        elif name == "verification_id" and isinstance(value, str):
            pairs.append((name, verification_or_text(ctx, view, value)))
        elif name in INSTITUTION_FIELDS and isinstance(value, str):
            pairs.append((name, institution_or_text(ctx, view, value)))
        elif name.endswith("_kg") and isinstance(value, int):
            pairs.append((name, kg_text(value)))
        elif name.endswith("_fen") and isinstance(value, int):
            pairs.append((name, yuan_text(value)))
        elif isinstance(value, (dict, list)):
            pairs.append((name, element("code", json.dumps(value, ensure_ascii=False))))
        else:
            pairs.append((name, "null" if value is None else value))
    return definitions(pairs)
