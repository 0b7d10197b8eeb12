"""The web registry and receipt checker (node/web): server-rendered HTML, CSV, static files.

Every page reads committed data through node.chain_view (the node's read port, made when
the node is assembled) and renders escaped HTML; bad
input gets a 400 or 404 page, never a 500. Language: ?lang=zh|en, else Accept-Language.
The checker pages pin this node's genesis and verify receipts in the browser.
"""

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from node.api.deps import ViewDep
from node.chain_view import ChainView, ReceiptPdfError
from node.proofs import ProofUnavailableError
from node.receipt_pdfs import ReceiptPdfBusyError
from node.web.checker import CHECKER_CSP, checker_page, offline_checker_html, static_file
from node.web.checker_receipt import resolve_receipt_param
from node.web.exports import EXPORTS, export_csv
from node.web.formatting import short_hex
from node.web.i18n import Lang, pick_lang
from node.web.layout import Context, Page, PageError, error_page, render_document
from node.web.markup import element, join, table
from node.web.pages_accounts import account_page, institution_page
from node.web.pages_auctions import auction_page, auctions_page
from node.web.pages_batches import batch_page, serial_range_page
from node.web.pages_cases import (
    case_page,
    cases_page,
    check_hex_id,
    retirement_page,
    retirements_page,
)
from node.web.pages_chain import block_page, blocks_page, dashboard_page
from node.web.pages_pledges import pledge_page
from node.web.pages_projects import attested_verification_page, project_page, projects_page
from node.web.pages_tx import tx_page
from node.web.search import search
from protocol.encoding import encode
from protocol.hashing import Hash32

router = APIRouter(include_in_schema=False)
LangQuery = Annotated[str | None, Query(alias="lang", max_length=8)]
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Every page: only this node's own stylesheet and scripts, no inline code, no framing."""
OFFLINE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The offline checker inlines its scripts (it is one file) and may fetch nothing."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": PAGE_CSP,
}


def _context(request: Request, lang: str | None) -> Context:
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    language = pick_lang(lang, request.headers.get("accept-language"))
    return Context(lang=language, path=request.url.path, query=query)


def _html(
    ctx: Context, view: ChainView, page: Page, headers: dict[str, str] | None = None
) -> HTMLResponse:
    chain_line = f"{view.chain_name} · chain_id {short_hex(view.chain_id, 16)} · {view.node_name}"
    return HTMLResponse(
        render_document(ctx, page, chain_line),
        status_code=page.status,
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


def _show(
    request: Request,
    lang: str | None,
    view: ChainView,
    build: Callable[[Context, ChainView], Page],
) -> HTMLResponse:
    ctx = _context(request, lang)
    try:
        page = build(ctx, view)
    except PageError as error:
        page = error_page(ctx, error)
    return _html(ctx, view, page)


ListPage = Callable[[Context, ChainView], Page]
RecordPage = Callable[[Context, ChainView, str], Page]
LIST_PAGES: dict[str, ListPage] = {
    "/": dashboard_page,
    "/projects": projects_page,
    "/cases": cases_page,
    "/retirements": retirements_page,
    "/auctions": auctions_page,
}
RECORD_PAGES: dict[str, RecordPage] = {
    "/blocks/{key}": block_page,
    "/txs/{key}": tx_page,
    "/projects/{key}": project_page,
    "/attested-verifications/{key}": attested_verification_page,
    "/batches/{key}": batch_page,
    "/accounts/{key}": account_page,
    "/institutions/{key}": institution_page,
    "/cases/{key}": case_page,
    "/pledges/{key}": pledge_page,
    "/auctions/{key}": auction_page,
    "/retirements/{key}": lambda ctx, view, key: retirement_page(
        ctx, view, key, pdf_available=view.renders_receipt_pdfs
    ),
}
"""Pages of one record: the path's last segment names it (a height, an id); the page
checks it and answers 400 or 404 itself."""


def _list_route(build: ListPage) -> Callable[..., HTMLResponse]:
    def route(request: Request, view: ViewDep, lang: LangQuery = None) -> HTMLResponse:
        return _show(request, lang, view, build)

    return route


def _record_route(build: RecordPage) -> Callable[..., HTMLResponse]:
    def route(request: Request, key: str, view: ViewDep, lang: LangQuery = None) -> HTMLResponse:
        return _show(request, lang, view, lambda ctx, view: build(ctx, view, key))

    return route


for _path, _list_page in LIST_PAGES.items():
    router.add_api_route(_path, _list_route(_list_page), response_class=HTMLResponse)
for _path, _record_page in RECORD_PAGES.items():
    router.add_api_route(_path, _record_route(_record_page), response_class=HTMLResponse)


@router.get("/blocks", response_class=HTMLResponse)
def blocks(
    request: Request,
    view: ViewDep,
    lang: LangQuery = None,
    before: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    return _show(request, lang, view, lambda ctx, view: blocks_page(ctx, view, before))


@router.get("/batches/{batch_id}/serials/{serial_range}", response_class=HTMLResponse)
def serial_range(
    request: Request, batch_id: str, serial_range: str, view: ViewDep, lang: LangQuery = None
) -> HTMLResponse:
    return _show(
        request,
        lang,
        view,
        lambda ctx, view: serial_range_page(ctx, view, batch_id, serial_range),
    )


@router.get("/search", response_class=HTMLResponse, response_model=None)
def search_page(
    request: Request,
    view: ViewDep,
    lang: LangQuery = None,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    ctx = _context(request, lang)
    hits = search(view, q)
    if len(hits) == 1:
        return RedirectResponse(ctx.href(hits[0].path), status_code=303)
    if not q.strip():
        body = element("p", ctx.t("search.empty"))
    elif not hits:
        body = element("p", ctx.t("search.none", q=q), class_="no-results")
    else:
        rows = [[ctx.t(hit.kind), ctx.link(hit.path, hit.label)] for hit in hits]
        body = join(
            [element("p", ctx.t("search.results", q=q)), table(["", ""], rows, id="search-results")]
        )
    return _html(ctx, view, Page(title=ctx.t("search.title"), body=body))


@router.get("/export/{name}", response_model=None)
def export(request: Request, name: str, view: ViewDep, lang: LangQuery = None) -> Response:
    kind = name.removesuffix(".csv")
    text = export_csv(view, kind) if name.endswith(".csv") else None
    if text is None:
        return _show(
            request,
            lang,
            view,
            _raise(
                PageError(404, f"no export {name!r}; try " + ", ".join(f"{k}.csv" for k in EXPORTS))
            ),
        )
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="lantan-{kind}.csv"',
            **SECURITY_HEADERS,
        },
    )


def _raise(error: PageError) -> Callable[[Context, ChainView], Page]:
    def build(_ctx: Context, _view: ChainView) -> Page:
        raise error

    return build


PDF_RETRY_AFTER_S = 2
"""Retry-After of a PDF asked for while another is being rendered (node/receipt_pdfs.py)."""


@router.get("/retirements/{retirement_id}/receipt.pdf", response_model=None)
def receipt_pdf(
    request: Request, retirement_id: str, view: ViewDep, lang: LangQuery = None
) -> Response:
    """The printable receipt: built, verified against genesis, then rendered (client/)."""
    try:
        check_hex_id(retirement_id, "retirement")
        pdf = _receipt_pdf(view, retirement_id)
    except PageError as error:
        return _show(request, lang, view, _raise(error))
    except ReceiptPdfBusyError as error:
        busy = PageError(503, f"{error}; ask again in a few seconds")
        answer = _show(request, lang, view, _raise(busy))
        answer.headers["Retry-After"] = str(PDF_RETRY_AFTER_S)
        return answer
    filename = f"lantan-receipt-{retirement_id[:16]}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', **SECURITY_HEADERS},
    )


def _receipt_pdf(view: ChainView, retirement_id: str) -> bytes:
    checkpoint = view.signed_checkpoint()
    if checkpoint is None:
        raise PageError(404, "no checkpoint has a quorum yet; retry in a few seconds")
    try:
        receipt = view.receipt(Hash32(bytes.fromhex(retirement_id)), checkpoint)
        return view.receipt_pdf(encode(receipt), bytes.fromhex(str(receipt["receipt_digest"])))
    except ProofUnavailableError as error:
        raise PageError(404, f"{error.code}: {error.detail}") from None
    except ReceiptPdfError as error:
        raise PageError(404, str(error)) from None


@router.get("/checker", response_model=None)
def checker(
    request: Request, view: ViewDep, lang: LangQuery = None
) -> HTMLResponse | RedirectResponse:
    ctx = _context(request, lang)
    notice = None
    wanted = ctx.query.get("receipt")
    if wanted is not None:
        param = resolve_receipt_param(ctx, wanted, lambda prefix: _retirement_ids(view, prefix))
        if param.full_id is not None and param.full_id != wanted:
            # A resolved prefix: the address bar then shows the id that was checked.
            return RedirectResponse(ctx.href("/checker", receipt=param.full_id), status_code=303)
        notice = param.notice
    page = checker_page(ctx, view.genesis_json(), notice)
    return _html(ctx, view, page, {"Content-Security-Policy": CHECKER_CSP})


def _retirement_ids(view: ChainView, prefix: str) -> list[str]:
    """Up to two retirement ids starting with prefix: one range read of the state."""
    found = view.state_page(f"retirement/{prefix}", None, 2)
    return [key.removeprefix("retirement/") for key, _ in found]


@router.get("/checker/offline.html", response_class=HTMLResponse)
def checker_offline(view: ViewDep, lang: LangQuery = None) -> HTMLResponse:
    language = Lang.ZH if lang == "zh" else Lang.EN
    html = offline_checker_html(view.genesis_json(), language)
    return HTMLResponse(html, headers={**SECURITY_HEADERS, "Content-Security-Policy": OFFLINE_CSP})


@router.get("/static/{name:path}", response_model=None)
def static(name: str) -> Response:
    found = static_file(name)
    if found is None:
        return Response(f"no static file {quote(name)}", status_code=404, media_type="text/plain")
    content, content_type = found
    return Response(
        content, media_type=content_type, headers={"Cache-Control": "no-cache", **SECURITY_HEADERS}
    )
