"""The `lantan query` command group: every public read of a node, as tables or JSON.

Each resource maps to one `/v1/...` path (DESIGN.md §7). Lists are cursor-paginated:
one page by default, every page with --all. Reads go to the first node that answers;
`query status` asks every node and checks them (client/cli/query_status.py).
Thin shell over client/api.py and client/cli/tables.py.
"""

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

from client.api import (
    PAGE_LIMIT_MAX,
    WAIT_MS_MAX,
    NodeClient,
    Page,
    TxStatus,
    encode_path_segment,
)
from client.cli.query_status import run_status
from client.cli.support import (
    EXIT_OK,
    Subparsers,
    add_json_option,
    add_node_option,
    guarded,
    print_json,
)
from client.cli.tables import render_record, render_table
from client.errors import ClientError, UsageError
from client.genesis_file import add_genesis_option
from client.node_pool import NodePool, node_urls
from genesis.commands import add_group, whole_number
from protocol.fields import is_decimal

# _ID_PREFIX_LATE: client.id_prefix (protocol.tx and its codec) is imported where an id
# prefix is resolved, not at start: most reads need none of it (`lantan --version`, stop 47);
# so is contracts.state_keys's slug rule, where a record id is checked (contracts loads ~50
# modules).

SERIAL_COLUMNS: Final = (
    "batch_id",
    "first_serial",
    "last_serial",
    "status",
    "account_id",
    "active_kg",
    "frozen_kg",
    "retired_kg",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListResource:
    """A list endpoint at /v1/NAME; with item_noun, `query NAME ID` reads one record at
    /v1/NAME/ID."""

    name: str
    columns: tuple[str, ...]
    item_noun: str | None
    help: str

    @property
    def path(self) -> str:
        return f"/v1/{self.name}"


LIST_RESOURCES: Final = (
    ListResource(
        name="institutions",
        columns=("institution_id", "name_zh", "name_en", "roles"),
        item_noun="INSTITUTION_ID",
        help="member institutions, their roles and keys",
    ),
    ListResource(
        name="accounts",
        columns=("account_id", "display_name", "kind", "custodian"),
        item_noun="ACCOUNT_ID",
        help="accounts and their custodians",
    ),
    ListResource(
        name="projects",
        columns=("project_id", "name_zh", "ecosystem", "accounting_standard", "issuer"),
        item_noun="PROJECT_ID",
        help="registered blue carbon projects, each with its boundary and tenure (ADR 0027)",
    ),
    ListResource(
        name="attested-verifications",
        columns=(
            "verification_id",
            "project_id",
            "verifier",
            "period_start",
            "period_end",
            "methodology_id",
            "methodology_version",
            "net_sink_kg",
            "issued_kg",
        ),
        item_noun="VERIFICATION_ID",
        help="verifications signed by an accredited verifier (ADR 0026)",
    ),
    ListResource(
        name="batches",
        columns=(
            "batch_id",
            "project_id",
            "vintage",
            "quantity_kg",
            "buffer_kg",
            "retired_kg",
            "pledged_kg",
            "escrowed_kg",
        ),
        item_noun="BATCH_ID",
        help="issuance batches, each with its labels and external registry ids (ADR 0028) and "
        "its kg pledged (ADR 0032) and in auction escrow (ADR 0034)",
    ),
    ListResource(
        name="cases",
        columns=("case_id", "court", "case_number", "required_kg", "retired_kg", "status"),
        item_noun="CASE_ID",
        help="judicial cases and their status (registered, judgment, satisfied, closed; ADR 0029)",
    ),
    ListResource(
        name="pledges",
        columns=("pledge_id", "account_id", "batch_id", "quantity_kg", "lender", "status"),
        item_noun="PLEDGE_ID",
        help="credits pledged to lenders and their status (active, released, enforced; ADR 0032)",
    ),
    ListResource(
        name="retirements",
        columns=("retirement_id", "kind", "account_id", "batch_id", "quantity_kg", "case_id"),
        item_noun="RETIREMENT_ID",
        help="retirements, voluntary and judicial",
    ),
    ListResource(
        name="considerations",
        columns=(
            "tx_id",
            "from_account",
            "to_account",
            "batch_id",
            "quantity_kg",
            "unit_price_fen_per_t",
            "currency",
            "total_fen",
        ),
        item_noun="TX_ID",
        help="prices recorded by priced transfers, in fen (ADR 0031); never settled",
    ),
    ListResource(
        name="auctions",
        columns=(
            "lot_id",
            "account_id",
            "quantity_kg",
            "reserve_fen_per_t",
            "bid_end_height",
            "reveal_end_height",
            "status",
            "winner_account",
            "price_fen_per_t",
        ),
        item_noun="LOT_ID",
        help="sealed-bid auction lots with their bids, prices in fen/t (ADR 0034); "
        "`lantan auction verify` recomputes an outcome",
    ),
    ListResource(
        name="reversals",
        columns=(
            "reversal_id",
            "batch_id",
            "event_date",
            "cause",
            "lost_kg",
            "buffer_drawn_kg",
            "uncovered_kg",
        ),
        item_noun="REVERSAL_ID",
        help="sink losses reported by verifiers and the buffer they drew (ADR 0033)",
    ),
    ListResource(
        name="insurance",
        columns=(
            "policy_id",
            "insurer",
            "coverage",
            "subject_kind",
            "subject_id",
            "sum_insured_fen",
            "period_start",
            "period_end",
        ),
        item_noun="POLICY_ID",
        help="insurance policies attested alongside credits (insurance.attest), each with the "
        "totals of its claims",
    ),
    ListResource(
        name="insurance-claims",
        columns=(
            "claim_id",
            "policy_id",
            "reversal_id",
            "claimed_fen",
            "status",
            "decided_fen",
            "paid_fen",
        ),
        item_noun="CLAIM_ID",
        help="insurance claims recorded for reversals (ADR 0033), their status (filed, "
        "accepted, rejected, paid) and the fen accepted and paid (ADR 0035)",
    ),
    ListResource(
        name="evidence",
        columns=("evidence_hash", "offender", "height"),
        item_noun=None,
        help="recorded evidence of validator misbehaviour",
    ),
    ListResource(
        name="blocks",
        columns=("height", "time", "proposer", "tx_root", "state_root"),
        item_noun=None,
        help="block headers",
    ),
)


def register_query(subparsers: Subparsers) -> None:
    """Add `query <resource>` for every public read (the `query` entry point)."""
    actions = add_group(
        subparsers,
        "query",
        "read a node's public API",
        description="Read any public resource.",
        metavar="RESOURCE",
    )
    status = _add_single(
        actions,
        "status",
        "the node's view: height, round, validators, quorum (several nodes: each one's head too)",
        None,
    )
    add_genesis_option(
        status,
        chain_id_allowed=True,
        help="the chain every node must serve (default: the first node's that answers)",
    )
    _add_single(actions, "block", "one block and its commit certificate", "HEIGHT")
    _add_single(actions, "state", "one state record by key, e.g. account/<id>", "KEY")
    _add_single(actions, "checkpoint", "the latest signed checkpoint note (C2SP)", None)
    _add_single(
        actions,
        "witnesses",
        "the genesis witnesses: key, institution, address, last cosigned",
        None,
    )
    tx = _add_single(actions, "tx", "where a tx stands: pending, committed, ...", "TX_ID")
    tx.add_argument(
        "--wait-ms",
        type=whole_number(0, WAIT_MS_MAX),
        default=0,
        metavar="MS",
        help=f"wait for the commit (<= {WAIT_MS_MAX})",
    )
    for lookup in LOOKUPS:
        _add_lookup(actions, lookup)
    for resource in LIST_RESOURCES:
        _add_list(actions, resource)
    _add_sublist(actions, "holdings", "ACCOUNT_ID", "an account's serial blocks")
    _add_sublist(actions, "serials", "BATCH_ID", "a batch's serial blocks")


def _add_single(
    actions: Subparsers, name: str, help_text: str, argument: str | None
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text)
    if argument is not None:
        parser.add_argument("target", metavar=argument)
    add_node_option(parser)
    add_json_option(parser)
    parser.set_defaults(handler=guarded(f"query {name}", _SINGLE_HANDLERS[name]))
    return parser


@dataclass(frozen=True, slots=True, kw_only=True)
class Lookup:
    """An index record read by its two key parts: `query NAME A B` reads path_format.format(A,
    B); a 404 says that nothing is indexed there and names the absence proof."""

    name: str
    nouns: tuple[str, str]
    path_format: str
    help: str


LOOKUPS: Final = (
    Lookup(
        name="tenure",
        nouns=("KIND", "NUMBER"),
        path_format="/v1/tenure/{}/{}",
        help="the active project a tenure certificate backs (sea_area_use|land_tenure; ADR 0027)",
    ),
    Lookup(
        name="external-id",
        nouns=("REGISTRY", "ID"),
        path_format="/v1/external-ids/{}/{}",
        help="the batch an id of another registry maps to (ccer, verra, ...; ADR 0028)",
    ),
)


def _add_lookup(actions: Subparsers, lookup: Lookup) -> None:
    parser = actions.add_parser(lookup.name, help=lookup.help)
    parser.add_argument("first", metavar=lookup.nouns[0])
    parser.add_argument("second", metavar=lookup.nouns[1])
    add_node_option(parser)
    add_json_option(parser)
    parser.set_defaults(
        handler=guarded(f"query {lookup.name}", _run_lookup), path_format=lookup.path_format
    )


def _run_lookup(args: argparse.Namespace) -> int:
    path = args.path_format.format(
        encode_path_segment(args.first), encode_path_segment(args.second)
    )
    return _show(_read(args, lambda client: client.get_json(path)), as_json=args.json)


def _add_list(actions: Subparsers, resource: ListResource) -> None:
    parser = actions.add_parser(resource.name, help=resource.help)
    if resource.item_noun is not None:
        parser.add_argument(
            "target",
            metavar=resource.item_noun,
            nargs="?",
            help="read this one record instead of the list",
        )
    _add_page_options(parser)
    parser.set_defaults(
        handler=guarded(f"query {resource.name}", _run_list),
        list_path=resource.path,
        target=None,
        columns=resource.columns,
    )


SUBLIST_PATHS: Final = {
    "holdings": "/v1/accounts/{}/holdings",
    "serials": "/v1/batches/{}/serials",
}


def _add_sublist(actions: Subparsers, name: str, noun: str, help_text: str) -> None:
    parser = actions.add_parser(name, help=help_text)
    parser.add_argument("owner", metavar=noun)
    _add_page_options(parser)
    parser.set_defaults(
        handler=guarded(f"query {name}", _run_list),
        list_path=None,
        sublist_path=SUBLIST_PATHS[name],
        columns=SERIAL_COLUMNS,
        target=None,
    )


def _add_page_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit",
        type=whole_number(1, PAGE_LIMIT_MAX),
        metavar="N",
        help=f"items per page (<= {PAGE_LIMIT_MAX})",
    )
    parser.add_argument("--cursor", help="start at this cursor (from an earlier page)")
    parser.add_argument("--all", action="store_true", help="follow cursors to the last page")
    add_node_option(parser)
    add_json_option(parser)


def _read(args: argparse.Namespace, ask: Callable[[NodeClient], Any]) -> Any:
    with NodePool(node_urls(args.node)) as pool:
        return pool.first_answer(ask)


def _show(value: Any, *, as_json: bool) -> int:
    if as_json:
        print_json(value)
    else:
        print(render_record(value))
    return EXIT_OK


def _run_block(args: argparse.Namespace) -> int:
    if not is_decimal(args.target):
        raise UsageError(f"block height {args.target!r} is not a non-negative integer")
    block = _read(args, lambda client: client.get_json(f"/v1/blocks/{int(args.target)}"))
    return _show(block, as_json=args.json)


def _run_state(args: argparse.Namespace) -> int:
    # HTTP clients resolve "." and ".." segments of a URL path before sending it, so
    # `account/x/../y` would read account/y: no state key has such a segment, refuse it.
    if any(segment in ("", ".", "..") for segment in args.target.split("/")):
        raise UsageError(
            f"state key {args.target!r} has an empty, '.' or '..' segment; keys look like "
            "account/<id>, retirement/<hex> (docs/STATE.md)"
        )
    path = "/v1/state/" + quote(args.target, safe="/")
    return _show(_read(args, lambda client: client.get_json(path)), as_json=args.json)


def _run_checkpoint(args: argparse.Namespace) -> int:
    note = _read(args, lambda client: client.get_text("/v1/checkpoints/latest"))
    if args.json:
        print_json({"checkpoint": note})
    else:
        print(note, end="" if note.endswith("\n") else "\n")
    return EXIT_OK


WITNESS_COLUMNS: Final = (
    "name",
    "institution_id",
    "key_status",
    "address",
    "announced_at",
    "cosigned_size",
)


def _run_witnesses(args: argparse.Namespace) -> int:
    """GET /v1/witnesses (ADR 0025): the policy, then one row per witness."""
    answer = _read(args, lambda client: client.get_json("/v1/witnesses"))
    if args.json:
        return _show(answer, as_json=True)
    rows = []
    for witness in answer.get("witnesses", []):
        announced = witness.get("announced") or {}
        rows.append(
            {
                **witness,
                "address": announced.get("address"),
                "announced_at": announced.get("height"),
            }
        )
    print(render_record({"height": answer.get("height"), "quorum": answer.get("quorum")}))
    print(render_table(rows, WITNESS_COLUMNS))
    return EXIT_OK


def _run_tx(args: argparse.Namespace) -> int:
    def ask(client: NodeClient) -> TxStatus:
        from client.id_prefix import resolve_tx_id  # (_ID_PREFIX_LATE)

        tx_id = encode_path_segment(resolve_tx_id(client, args.target))
        return client.tx_status(tx_id, wait_ms=args.wait_ms)

    return _show(_read(args, ask).to_json(), as_json=args.json)


_SINGLE_HANDLERS: Final = {
    "status": run_status,
    "block": _run_block,
    "state": _run_state,
    "checkpoint": _run_checkpoint,
    "witnesses": _run_witnesses,
    "tx": _run_tx,
}


def _run_list(args: argparse.Namespace) -> int:
    if args.target is not None:

        def ask(client: NodeClient) -> Any:
            target = args.target
            if args.list_path == "/v1/retirements":
                from client.id_prefix import resolve_retirement_id  # (_ID_PREFIX_LATE)

                target = resolve_retirement_id(client, target)
            else:
                # No record's id is anything else: `query accounts ../x` asked another route.
                from contracts.state_keys import SLUG_RULE, is_slug  # (_ID_PREFIX_LATE)

                if not is_slug(target):
                    raise UsageError(f"{target!r} is not an id: an id is {SLUG_RULE}")
            return client.get_json(f"{args.list_path}/{encode_path_segment(target)}")

        return _show(_read(args, ask), as_json=args.json)
    path = args.list_path or args.sublist_path.format(encode_path_segment(args.owner))
    page = _read(args, lambda client: _fetch(client, path, args))
    if args.json:
        print_json({"items": list(page.items), "next_cursor": page.next_cursor})
        return EXIT_OK
    items = page.items
    if args.list_path == "/v1/blocks":
        try:
            names = _read(args, validator_names)
        except ClientError:
            names = {}  # a node without the route: the keys, as before
        items = [block_row(item, names) for item in items]
    print(render_table(items, args.columns))
    if page.next_cursor is not None:
        print(f"(more: --cursor {page.next_cursor}, or --all)", file=sys.stderr)
    return EXIT_OK


def validator_names(client: NodeClient) -> dict[str, str]:
    """Validator public key (hex) -> name, over genesis's set and every change since: a
    block's proposer is shown by name, as `query status` and the dashboard show it."""
    names: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            key, name = value.get("public_key"), value.get("name")
            if isinstance(key, str) and isinstance(name, str):
                names[key] = name
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(client.get_json("/v1/validator-sets"))
    return names


def block_row(block: Any, names: dict[str, str]) -> Any:
    """A block header as a table row: its time as a UTC date (time_ms is epoch ms, kept
    in --json), its proposer by name (the key when no set names it; genesis has none)."""
    if not isinstance(block, dict) or not isinstance(block.get("time_ms"), int):
        return block
    moment = datetime.fromtimestamp(block["time_ms"] / 1000, tz=UTC)
    proposer = block.get("proposer")
    return block | {
        "time": f"{moment:%Y-%m-%d %H:%M:%S} UTC",
        "proposer": names.get(proposer, proposer) if isinstance(proposer, str) else proposer,
    }


def _fetch(client: NodeClient, path: str, args: argparse.Namespace) -> Page:
    """One page, or with --all every page from --cursor on, as one Page."""
    if not args.all:
        return client.page(path, cursor=args.cursor, limit=args.limit)
    items = tuple(client.iterate(path, cursor=args.cursor, limit=args.limit))
    return Page(items=items, next_cursor=None)
