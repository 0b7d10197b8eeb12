"""Dashboard, block list, block and transaction pages of the web registry."""

from collections import Counter

from contracts.records import Institution
from node.chain_view import ChainView
from node.web.formatting import kg_text, short_hex, time_text
from node.web.layout import Context, Page, PageError, mono, muted, section
from node.web.links import (
    block_link,
    institution_link,
    key_link,
    tx_link,
)
from node.web.markup import Html, definitions, element, join, table
from node.web.pages_cases import retirements_table
from protocol.block import BlockHeader
from protocol.fields import is_decimal
from protocol.results import TxResult
from protocol.validators import ValidatorSet

SIGNING_WINDOW_BLOCKS = 50
LATEST_BLOCKS = 10
LATEST_RETIREMENTS = 5
BUSY_SCAN_BLOCKS = 1000
"""How far back the dashboard looks for blocks that hold txs."""
LATEST_CHECKPOINTS = 5
BLOCKS_PER_PAGE = 25


def dashboard_page(ctx: Context, view: ChainView) -> Page:
    head = view.header(view.height)
    assert head is not None
    summary = definitions(
        [
            (
                ctx.t("dash.chain"),
                join([view.chain_name, " ", mono(short_hex(view.chain_id, 16), view.chain_id)]),
            ),
            (ctx.t("dash.height"), element("strong", f"{view.height:,}", id="chain-height")),
            (ctx.t("f.time"), time_text(head.time_ms)),
            (
                ctx.t("dash.head"),
                mono(short_hex(head.block_hash().hex(), 24), head.block_hash().hex()),
            ),
            (ctx.t("dash.node"), f"{view.node_name} ({ctx.code(view.node_role)})"),
        ]
    )
    # What the registry holds comes first; chain health (validators, checkpoints) after it.
    body = join(
        [
            summary,
            section(ctx.t("dash.totals"), totals_table(ctx, view)),
            section(ctx.t("dash.latest_retirements"), latest_retirements(ctx, view)),
            section(ctx.t("dash.busy_blocks"), busy_blocks(ctx, view)),
            section(ctx.t("dash.validators"), validators_table(ctx, view)),
            section(ctx.t("dash.checkpoints"), checkpoints_table(ctx, view)),
        ]
    )
    return Page(title=ctx.t("dash.title"), body=body)


def latest_retirements(ctx: Context, view: ChainView) -> Html:
    retirements, _ = view.records.retirements()
    if not retirements:
        return element("p", ctx.t("dash.no_retirements"))
    retirements.sort(key=lambda r: (-r.height, r.retirement_id.hex()))
    return retirements_table(ctx, retirements[:LATEST_RETIREMENTS])


def busy_blocks(ctx: Context, view: ChainView) -> Html:
    """The latest blocks that hold txs; the empty heartbeat blocks folded away below."""
    busy = []
    for height in range(view.height, max(0, view.height - BUSY_SCAN_BLOCKS), -1):
        block = view.block(height)
        if block is not None and block.txs:
            busy.append(height)
            if len(busy) == LATEST_BLOCKS:
                break
    shown = (
        blocks_table_of(ctx, view, busy, id="busy-blocks")
        if busy
        else element("p", ctx.t("dash.no_busy_blocks", count=BUSY_SCAN_BLOCKS))
    )
    latest = range(view.height, max(-1, view.height - LATEST_BLOCKS), -1)
    empty = sum(1 for h in latest if (b := view.block(h)) is not None and not b.txs)
    folded = element(
        "details",
        join(
            [
                element("summary", ctx.t("dash.all_blocks", count=len(latest), empty=empty)),
                blocks_table(ctx, view, view.height, LATEST_BLOCKS),
            ]
        ),
        id="all-blocks",
    )
    return join([shown, folded])


def signing_record(view: ChainView, window: int) -> tuple[Counter[bytes], dict[bytes, int], int]:
    """Per validator key: certificates signed among the latest window blocks, last height."""
    counts: Counter[bytes] = Counter()
    last: dict[bytes, int] = {}
    first_height = max(1, view.height - window + 1)
    for height in range(first_height, view.height + 1):
        certificate = view.certificate(height)
        for signature in () if certificate is None else certificate.signatures:
            counts[bytes(signature.validator)] += 1
            last.setdefault(bytes(signature.validator), height)
            last[bytes(signature.validator)] = height
    return counts, last, view.height - first_height + 1


def validators_table(ctx: Context, view: ChainView) -> Html:
    validators = view.current_validators()
    counts, last, blocks = signing_record(view, SIGNING_WINDOW_BLOCKS)
    # A certificate holds q signatures, not n: a healthy validator is in about q/n of them.
    expected = round(blocks * validators.quorum / validators.size)
    rows = []
    for validator in validators.validators:
        key = bytes(validator.public_key)
        institution = view.records.institution(validator.name)
        name = "" if institution is None else _name(ctx, institution)
        rows.append(
            [
                institution_link(ctx, validator.name),
                name,
                mono(short_hex(key.hex(), 16), key.hex()),
                element(
                    "span",
                    ctx.t("dash.signed_share", count=counts[key], blocks=blocks, expected=expected),
                    class_="signed-count",
                    data_count=str(counts[key]),
                    data_window=str(blocks),
                ),
                block_link(ctx, last[key]) if key in last else "—",
            ]
        )
    caption = ctx.t(
        "dash.signed_note",
        q=validators.quorum,
        n=validators.size,
        blocks=blocks,
        expected=expected,
    )
    headers = [
        ctx.t("f.name"),
        ctx.t("f.institution"),
        ctx.t("f.public_key"),
        ctx.t("dash.signed"),
        ctx.t("dash.last_signed"),
    ]
    return join(
        [fault_tolerance(ctx, validators), table(headers, rows, id="validators"), muted(caption)]
    )


def liveness_words(ctx: Context, f_l: int) -> str:
    """How many validators may be offline, in words: none, one (singular), or f_l."""
    if f_l == 0:
        return ctx.t("dash.liveness_none")
    return ctx.t("dash.liveness_one") if f_l == 1 else ctx.t("dash.liveness_words", f_l=f_l)


def fault_tolerance(ctx: Context, validators: ValidatorSet) -> Html:
    """The quorum and what it tolerates, in words (f_S and f_L of PROTOCOL.md §7)."""
    f_l, f_s = validators.max_liveness_faults, validators.max_safety_faults
    sentences = [
        ctx.t("dash.quorum_words", q=validators.quorum, n=validators.size),
        liveness_words(ctx, f_l),
        ctx.t("dash.safety_words", f_s=f_s) if f_s > 0 else ctx.t("dash.safety_none"),
    ]
    return element("p", " ".join(sentences), id="fault-tolerance")


def blocks_table(ctx: Context, view: ChainView, top: int, count: int) -> Html:
    return blocks_table_of(ctx, view, list(range(top, max(-1, top - count), -1)))


def blocks_table_of(
    ctx: Context, view: ChainView, heights: list[int], *, id: str | None = None
) -> Html:
    rows = []
    for height in heights:
        block = view.block(height)
        if block is None:
            continue
        certificate = view.certificate(height)
        proposer = view.validator_name(block.header.proposer) if height > 0 else None
        rows.append(
            [
                block_link(ctx, height),
                time_text(block.header.time_ms),
                len(block.txs),
                proposer or "—",
                "—" if certificate is None else len(certificate.signatures),
            ]
        )
    headers = [
        ctx.t("f.height"),
        ctx.t("f.time"),
        ctx.t("f.txs"),
        ctx.t("f.proposer"),
        ctx.t("f.signatures"),
    ]
    return table(headers, rows, class_="blocks", id=id)


def checkpoints_table(ctx: Context, view: ChainView) -> Html:
    checkpoints = view.latest_checkpoints(LATEST_CHECKPOINTS)
    if not checkpoints:
        return element("p", ctx.t("dash.no_checkpoint"))
    rows = [
        [f"{c.size:,}", block_link(ctx, c.size - 1), mono(c.root_b64), c.lines] for c in checkpoints
    ]
    headers = [ctx.t("f.size"), ctx.t("f.height"), ctx.t("f.root"), ctx.t("f.lines")]
    return table(headers, rows, id="checkpoints")


def totals_table(ctx: Context, view: ChainView) -> Html:
    batches, _ = view.records.batches()
    projects, _ = view.records.projects()
    retirements, _ = view.records.retirements()
    cases, _ = view.records.cases()
    issued = sum(b.quantity_kg for b in batches)
    retired = sum(b.retired_kg for b in batches)
    return definitions(
        [
            (ctx.t("nav.projects"), len(projects)),
            (ctx.t("f.batch"), len(batches)),
            (ctx.t("f.issued"), kg_text(issued)),
            (ctx.t("f.retired"), kg_text(retired)),
            (ctx.t("nav.retirements"), len(retirements)),
            (ctx.t("nav.cases"), len(cases)),
        ]
    )


def blocks_page(ctx: Context, view: ChainView, before: str | None) -> Page:
    top = view.height
    if before is not None:
        if not is_decimal(before) or len(before) > 15:
            raise PageError(400, f"not a height: {before!r}")
        top = min(view.height, int(before) - 1)
    body = blocks_table(ctx, view, top, BLOCKS_PER_PAGE)
    lowest = top - BLOCKS_PER_PAGE + 1
    if lowest > 0:
        body = join([body, element("p", ctx.link("/blocks", ctx.t("blocks.older"), before=lowest))])
    return Page(title=ctx.t("blocks.title"), body=body)


def parse_height(text: str) -> int:
    if not is_decimal(text) or len(text) > 15:
        raise PageError(400, f"not a block height: {text!r}")
    return int(text)


def block_page(ctx: Context, view: ChainView, height_text: str) -> Page:
    height = parse_height(height_text)
    block = view.block(height)
    if block is None:
        raise PageError(404, f"no block at height {height} (the chain is at {view.height})")
    results = view.results(height)
    rows = []
    for index, signed in enumerate(block.txs):
        result = results[index] if index < len(results) else None
        rows.append(
            [
                index,
                tx_link(ctx, signed.tx_id.hex()),
                ctx.code(signed.tx.type),
                key_link(ctx, view, signed.tx.sender.hex()),
                tx_status(ctx, result),
            ]
        )
    headers = [
        ctx.t("f.index"),
        ctx.t("f.tx_id"),
        ctx.t("f.type"),
        ctx.t("f.sender"),
        ctx.t("f.result"),
    ]
    txs = table(headers, rows, id="block-txs") if rows else element("p", ctx.t("block.none"))
    body = join(
        [
            _header_fields(ctx, view, block.header),
            section(ctx.t("f.txs"), txs),
            section(ctx.t("block.certificate"), _certificate(ctx, view, block.header)),
        ]
    )
    return Page(title=ctx.t("block.title", height=f"{height:,}"), body=body)


def _header_fields(ctx: Context, view: ChainView, header: BlockHeader) -> Html:
    pairs: list[tuple[object, object]] = [
        (ctx.t("f.time"), time_text(header.time_ms)),
        ("block_hash", mono(header.block_hash().hex())),
    ]
    for name, value in header.to_json().items():
        if name == "proposer" and header.height > 0:
            pairs.append((name, key_link(ctx, view, str(value))))
        elif name == "prev_hash" and header.height > 0:
            pairs.append((name, join([mono(str(value)), " ", block_link(ctx, header.height - 1)])))
        else:
            pairs.append((name, mono(value) if isinstance(value, str) else value))
    return section(ctx.t("block.header"), definitions(pairs))


def _certificate(ctx: Context, view: ChainView, header: BlockHeader) -> Html:
    certificate = view.certificate(header.height)
    if certificate is None:
        return element("p", ctx.t("block.genesis"))
    validators = view.set_for_hash(header.validators_hash)
    signers = [
        view.validator_name(s.validator) or s.validator.hex() for s in certificate.signatures
    ]
    summary = (
        ctx.t("block.signed_by", k=len(signers), n=validators.size, q=validators.quorum)
        if validators is not None
        else f"{len(signers)}"
    )
    rows = [
        [
            institution_link(ctx, name) if len(name) < 64 else mono(name),
            mono(short_hex(s.signature.hex(), 24), s.signature.hex()),
        ]
        for name, s in zip(signers, certificate.signatures, strict=True)
    ]
    return join(
        [
            element("p", f"{ctx.t('f.round')} {certificate.round} · {summary}", class_="signed-by"),
            table([ctx.t("f.signer"), ctx.t("f.signatures")], rows),
        ]
    )


def tx_status(ctx: Context, result: TxResult | None) -> Html:
    status = "?" if result is None else result.status.value
    reason = None if result is None else result.reason
    label = ctx.code(status) if reason is None else f"{ctx.code(status)} ({reason})"
    return element("span", label, class_=f"status status-{status}")


def _name(ctx: Context, institution: Institution) -> str:
    return institution.name_zh if ctx.lang.value == "zh" else institution.name_en
