"""`lantan auction verify` and `lantan auction commit` (ADR 0034). I/O shell.

verify reads a settled lot from one node, then recomputes its outcome from the certified
blocks between the lot's open and settle heights (client/audit/auction.py: every
certificate checked against the validator set followed from the genesis file) and
compares the node's lot, bid and consideration records with it. commit makes a bidder's
sealed commitment with a fresh salt, as auction.bid wants it, and the reveal body to keep.
"""

import argparse
import json
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from client.amounts import yuan_digits
from client.api import NodeClient, encode_path_segment
from client.audit.auction import (
    AuctionChainError,
    ChainAuction,
    CheckedBlock,
    check_block,
    disagreements,
    replay_auction,
)
from client.audit.fetch import FETCH_WORKERS, FetchFailure, fetch_blocks
from client.cli.support import (
    EXIT_FAILURE,
    EXIT_OK,
    Subparsers,
    add_json_option,
    add_node_option,
    guarded,
    print_json,
)
from client.code_names import bilingual_name
from client.errors import ClientError, NodeRejectedError, UsageError
from client.genesis_file import add_genesis_option, require_same_chain
from client.node_pool import NodePool, node_urls
from client.receipt.codes import ReceiptError
from client.receipt.history import SetChange, SetHistory
from contracts.auction_records import SALT_SIZE, LotStatus, bid_commitment
from contracts.consideration_records import UNIT_PRICE_FEN_PER_T_MAX
from contracts.state_keys import SLUG_RULE, is_slug
from genesis.commands import add_group, whole_number
from genesis.document import GenesisDocument
from protocol.encoding import JsonValue
from protocol.errors import ProtocolError
from protocol.fields import expect_object, read_list

NOT_FOUND: Final = 404
WINDOW_HEIGHTS: Final = 64
"""Blocks fetched per round of parallel requests."""


def register_auction(subparsers: Subparsers) -> None:
    """Add `lantan auction` (entry point `auction = "client.cli.auction:register_auction"`)."""
    actions = add_group(
        subparsers, "auction", "sealed-bid auctions: verify a settled lot, make a bid commitment"
    )
    verify = actions.add_parser(
        "verify",
        help="recompute a settled lot's outcome from certified blocks and compare",
        description="Fetch the blocks from the lot's open height to its settle height, check "
        "each one's commit certificate against the validator set followed from the genesis "
        "file, its tx and result roots and tx signatures; replay every auction tx of the "
        "lot (bids in commit order, reveals against their commitments) and decide the "
        "outcome with the contracts' rule (ADR 0034). Exit 0 when the node's lot, bid and "
        "consideration records say the same, 1 otherwise.",
    )
    verify.add_argument("lot_id", metavar="LOT_ID")
    add_node_option(verify)
    add_genesis_option(verify, required=True, help="the genesis file")
    add_json_option(verify)
    verify.set_defaults(handler=guarded("auction verify", run_verify))
    commit = actions.add_parser(
        "commit",
        help="make a sealed bid's commitment with a fresh random salt",
        description="Print the commitment of PRICE for the lot and the bidder's account "
        "(SHA-256 over the tagged JCS of account, lot, price and salt; ADR 0034) and a fresh "
        "32-byte salt, with the auction.bid body to send now and the auction.reveal body to "
        "send in the reveal window. Keep the salt secret until then: without it the bid "
        "can never be revealed.",
    )
    commit.add_argument("--lot", required=True, metavar="LOT_ID")
    commit.add_argument("--account", required=True, metavar="ACCOUNT_ID", help="bidder account")
    commit.add_argument(
        "--price-fen-per-t",
        required=True,
        type=whole_number(0, UNIT_PRICE_FEN_PER_T_MAX),
        metavar="FEN",
        help="the bid in fen per tonne CO2e (106 yuan/t = 10600)",
    )
    commit.add_argument(
        "--salt", metavar="HEX", help="64 hex digits (default: 32 fresh random bytes)"
    )
    commit.add_argument(
        "--reveal-body",
        type=Path,
        metavar="FILE",
        help="also write the auction.reveal body, salt included, to FILE (mode 0600)",
    )
    add_json_option(commit)
    commit.set_defaults(handler=guarded("auction commit", run_commit))


# --- commit -----------------------------------------------------------------------------


def run_commit(args: argparse.Namespace) -> int:
    for value, option in ((args.lot, "--lot"), (args.account, "--account")):
        if not is_slug(value):
            raise UsageError(f"{option} {value!r}: expected an id of {SLUG_RULE}")
    salt = secrets.token_bytes(SALT_SIZE) if args.salt is None else _salt(args.salt)
    commitment = bid_commitment(args.lot, args.account, args.price_fen_per_t, salt).hex()
    bid = {"lot_id": args.lot, "bidder_account": args.account, "commitment": commitment}
    reveal = {
        "lot_id": args.lot,
        "bidder_account": args.account,
        "price_fen_per_t": args.price_fen_per_t,
        "salt": salt.hex(),
    }
    if args.reveal_body is not None:
        _write_private(args.reveal_body, json.dumps(reveal, ensure_ascii=False, indent=2) + "\n")
    if args.json:
        print_json(
            {"commitment": commitment, "salt": salt.hex(), "bid_body": bid, "reveal_body": reveal}
        )
        return EXIT_OK
    price = yuan_digits(args.price_fen_per_t)
    print(f"承诺值 commitment  {commitment}")
    print(f"随机盐 salt        {salt.hex()}")
    print(f"出价 price         {price} yuan/t (sealed until you reveal it)")
    print(f"auction.bid body     {json.dumps(bid, ensure_ascii=False)}")
    print(f"auction.reveal body  {json.dumps(reveal, ensure_ascii=False)}")
    print("keep the salt secret until the reveal window: without it the bid cannot be revealed")
    return EXIT_OK


def _salt(text: str) -> bytes:
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        salt = b""
    if len(salt) != SALT_SIZE or text != salt.hex():
        raise UsageError(f"--salt: expected {2 * SALT_SIZE} lowercase hex digits")
    return salt


def _write_private(path: Path, text: str) -> None:
    try:
        path.touch(mode=0o600, exist_ok=False)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--reveal-body {path}: {error.strerror or error}") from None


# --- verify -----------------------------------------------------------------------------


class LotNotSettledError(ClientError):
    """The lot is still open: there is no outcome to verify yet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LotVerdict:
    """A settled lot recomputed from the chain, and how the node's records differ from it."""

    chain: ChainAuction
    differences: tuple[str, ...]


def run_verify(args: argparse.Namespace) -> int:
    # One node answers every part (the first that can be reached): its blocks and its
    # records are then one chain view.
    with NodePool(node_urls(args.node)) as pool:
        return pool.first_answer(lambda node: _verify_on(node, args))


def _verify_on(node: NodeClient, args: argparse.Namespace) -> int:
    require_same_chain(node, args.genesis)
    try:
        verdict = verify_lot(node, args.genesis.document, args.lot_id)
    except AuctionChainError as error:
        return _report_invalid(node.url, args.lot_id, error, as_json=args.json)
    if args.json:
        print_json(_json_report(node.url, verdict.chain, verdict.differences))
    else:
        print("\n".join(_text_report(node.url, verdict.chain, verdict.differences)))
    return EXIT_OK if not verdict.differences else EXIT_FAILURE


def verify_lot(node: NodeClient, document: GenesisDocument, lot_id: str) -> LotVerdict:
    """Recompute lot_id's outcome from node's certified blocks and compare its records;
    AuctionChainError when the blocks themselves fail a check."""
    lot, bids = _served_lot(node, lot_id)
    first, last = _heights(lot)
    history = _set_history(node, document)
    blocks = _checked_blocks(node, document, history, range(first, last + 1))
    chain = replay_auction(lot_id, blocks)
    consideration = _optional(node, f"/v1/considerations/{chain.settle_tx_id.hex()}")
    return LotVerdict(
        chain=chain, differences=tuple(disagreements(chain, lot, bids, consideration))
    )


def _served_lot(node: NodeClient, lot_id: str) -> tuple[dict[str, JsonValue], list[JsonValue]]:
    """The node's lot record and its bids (GET /v1/auctions/{lot_id})."""
    try:
        answer = node.get_json(f"/v1/auctions/{encode_path_segment(lot_id)}")
    except NodeRejectedError as error:
        if error.status_code == NOT_FOUND:
            raise ClientError(f"{node.url} has no lot {lot_id!r}") from None
        raise
    if not isinstance(answer, dict) or not isinstance(answer.get("bids"), list):
        raise ClientError(f"{node.url}: the lot answer is not a lot with its bids")
    lot = dict(answer)
    bids: list[JsonValue] = lot.pop("bids")
    return lot, bids


def _heights(lot: dict[str, JsonValue]) -> tuple[int, int]:
    """The lot's open and settle heights, as the node says (the replay proves them)."""
    status, first, last = lot.get("status"), lot.get("height"), lot.get("settled_height")
    if status == LotStatus.OPEN:
        raise LotNotSettledError(
            f"lot {lot.get('lot_id')} is still open (bids until height "
            f"{lot.get('bid_end_height')}, reveals until {lot.get('reveal_end_height')}): its "
            "outcome exists only once the operator settles it"
        )
    if not (isinstance(first, int) and isinstance(last, int) and 0 < first < last):
        raise ClientError(f"the lot record names no open and settle heights: {first}, {last}")
    return first, last


def _set_history(node: NodeClient, document: GenesisDocument) -> SetHistory:
    """The validator sets from genesis through every change the node lists, each change
    verified by the certificate of the set before it."""
    answer = node.get_json("/v1/validator-sets")
    try:
        changes = read_list(
            expect_object(answer, "validator sets", ("genesis", "changes")), "changes"
        )
        parsed = [SetChange.from_json(change) for change in changes]
        return SetHistory.from_changes(document.chain_id(), document.validators, parsed)
    except (ProtocolError, ReceiptError) as error:
        raise ClientError(f"{node.url}: its validator set changes do not verify: {error}") from None


def _checked_blocks(
    node: NodeClient, document: GenesisDocument, history: SetHistory, heights: range
) -> list[CheckedBlock]:
    chain_id = document.chain_id()
    checked: list[CheckedBlock] = []
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as executor:
        for start in range(heights.start, heights.stop, WINDOW_HEIGHTS):
            window = range(start, min(start + WINDOW_HEIGHTS, heights.stop))
            answers = fetch_blocks([node], window, executor).answers()
            for height in window:
                served = answers[(node.url, height)]
                if isinstance(served, FetchFailure):
                    raise AuctionChainError("chain", f"height {height}: {served.detail}")
                parent = checked[-1].block if checked else None
                checked.append(
                    check_block(
                        served, height=height, chain_id=chain_id, history=history, parent=parent
                    )
                )
    return checked


def _optional(node: NodeClient, path: str) -> JsonValue:
    try:
        answer: JsonValue = node.get_json(path)
    except NodeRejectedError as error:
        if error.status_code == NOT_FOUND:
            return None
        raise
    return answer


def _report_invalid(url: str, lot_id: str, error: AuctionChainError, *, as_json: bool) -> int:
    if as_json:
        print_json(
            {
                "lot_id": lot_id,
                "node": url,
                "verified": False,
                "code": error.code,
                "detail": error.detail,
            }
        )
    else:
        print(f"INVALID 无法核验: lot {lot_id} on {url}: {error.code}: {error.detail}")
    return EXIT_FAILURE


def _price(fen_per_t: int | None) -> str:
    return "—" if fen_per_t is None else f"{yuan_digits(fen_per_t)} yuan/t"


def _text_report(url: str, chain: ChainAuction, found: Sequence[str]) -> list[str]:
    lot, outcome = chain.lot, chain.outcome
    accepted = 2 + len(chain.bids) + sum(b.reveal_tx_id is not None for b in chain.bids)
    refused = "".join(
        f"\n                    refused at height {r.height}: {r.tx_type}"
        + (f" of {r.bidder_account}" if r.bidder_account else "")
        + f" ({r.reason})"
        for r in chain.refused
    )
    bids = [
        f"出价 bid           seq {b.seq} {b.bidder_account}: committed at height {b.height}, "
        + (
            f"revealed {_price(b.revealed_price_fen_per_t)}"
            if b.revealed_price_fen_per_t is not None
            else "never revealed"
        )
        for b in chain.bids
    ]
    invalid = ", ".join(f"{who} ({bilingual_name(reason)})" for who, reason in outcome.invalid)
    lines = [
        f"拍卖标的 lot       {lot.lot_id}: {lot.quantity_kg:,} kg of batch {lot.batch_id} from "
        f"account {lot.account_id}, run by {lot.operator}",
        f"起拍价 reserve     {_price(lot.reserve_fen_per_t)}",
        f"窗口 windows       opened at height {chain.open_height}; bids until "
        f"{lot.bid_end_height}; reveals until {lot.reveal_end_height}; settled at "
        f"{chain.settle_height}",
        f"链上核验 chain     heights {chain.open_height}..{chain.settle_height} from {url}: "
        f"{chain.blocks} blocks, each certified by a quorum of the validator set followed "
        f"from genesis, roots and signatures checked; {accepted} accepted auction txs, "
        f"{len(chain.refused)} refused{refused}",
        *bids,
        f"结果 outcome       {bilingual_name(chain.status)}",
        f"中标人 winner      {outcome.winner_account or '—'}",
        f"成交价 price       {_price(outcome.price_fen_per_t)}",
        "成交总价 total     "
        + ("—" if outcome.total_fen is None else f"{yuan_digits(outcome.total_fen)} yuan"),
        f"未揭标 unrevealed  {', '.join(outcome.unrevealed) or '—'}",
        f"无效出价 invalid   {invalid or '—'}",
    ]
    if found:
        lines.append(
            f"MISMATCH 不一致: {url}'s records differ from the chain in {len(found)} way(s):"
        )
        lines += [f"  {line}" for line in found]
    else:
        lines.append(
            f"MATCH 一致: {url}'s lot, bid and consideration records equal the outcome "
            "recomputed from the certified blocks"
        )
    return lines


def _json_report(url: str, chain: ChainAuction, found: Sequence[str]) -> dict[str, Any]:
    outcome = chain.outcome
    return {
        "lot_id": chain.lot.lot_id,
        "node": url,
        "verified": not found,
        "status": chain.status,
        "winner_account": outcome.winner_account,
        "price_fen_per_t": outcome.price_fen_per_t,
        "total_fen": outcome.total_fen,
        "unrevealed": list(outcome.unrevealed),
        "invalid": [{"bidder_account": who, "reason": why} for who, why in outcome.invalid],
        "open_height": chain.open_height,
        "settle_height": chain.settle_height,
        "settle_tx_id": chain.settle_tx_id.hex(),
        "blocks_checked": chain.blocks,
        "bids": [bid.to_json() for bid in chain.bids],
        "refused": [
            {
                "type": r.tx_type,
                "height": r.height,
                "reason": r.reason,
                "bidder_account": r.bidder_account,
            }
            for r in chain.refused
        ],
        "differences": list(found),
    }
