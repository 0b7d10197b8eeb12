"""`lantan auction verify`'s check (ADR 0034): a lot's outcome recomputed from certified
blocks, then compared with the records a node serves. Pure: no I/O.

The blocks from the lot's open height to its settle height are checked one by one, as
`lantan audit` checks them (client/audit/certificate.py, client/audit/block.py): the
header is certified by a quorum of the validator set in force at its height (followed
from genesis through the verified set changes, client/receipt/history.SetHistory), the
txs and served results match the header's roots, every tx signature verifies and each
header links to the one before. Then every accepted auction tx of the lot is read in
block order: the open body, the bids (their order is the seq that breaks ties), the
reveals and the settlement, each one that contracts' own rule (`bid_refusal`,
`reveal_refusal`, `settle_refusal`: the windows, the commitment recomputed) would have
refused making the chain untrustworthy. contracts' `auction_outcome` decides the outcome;
the node's lot, bid and consideration records must say the same.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

from client.audit.block import body_problems, served_results_problem
from client.audit.certificate import check_served_certificate
from client.audit.chain_audit import ServedBlock
from client.errors import CodedError
from client.receipt.history import SetHistory
from contracts.auction_records import (
    AuctionBidBody,
    AuctionOpenBody,
    AuctionOutcome,
    AuctionRevealBody,
    AuctionSettleBody,
    Bid,
    Lot,
    LotStatus,
    auction_outcome,
    bid_refusal,
    new_lot,
    placed_bid,
    reveal_refusal,
    revealed,
    settle_refusal,
    settled,
)
from contracts.consideration_records import Consideration
from contracts.errors import ContractError
from contracts.reasons import RejectReason
from contracts.tx_types import TxType
from protocol.block import Block
from protocol.encoding import JsonValue
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.results import TxResult, TxStatus
from protocol.signing import PublicKey, VerifySignature, verify_signature
from protocol.tx import SignedTx

AUCTION_TYPES: Final = frozenset(
    {
        TxType.AUCTION_OPEN.value,
        TxType.AUCTION_BID.value,
        TxType.AUCTION_REVEAL.value,
        TxType.AUCTION_SETTLE.value,
    }
)


class AuctionChainError(CodedError[str]):
    """The chain a node served cannot be trusted for the lot: a block that is not certified
    by a quorum, does not match its roots or does not link (code `chain`), or auction txs
    that contradict the rule the chain claims to run (code `auction`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckedBlock:
    """A block whose certificate, roots, signatures and served results verified."""

    block: Block
    results: tuple[TxResult, ...]

    @property
    def height(self) -> int:
        return self.block.header.height


def check_block(
    served: ServedBlock,
    *,
    height: int,
    chain_id: Hash32,
    history: SetHistory,
    parent: Block | None,
    verify: VerifySignature = verify_signature,
) -> CheckedBlock:
    """served as GET /v1/blocks/{height} answered, checked; AuctionChainError otherwise.
    parent: the checked block at height - 1, when the range includes it."""
    try:
        block = Block.from_json(served.block)
    except ProtocolError as error:
        detail = f"height {height}: the block does not parse: {error}"
        raise AuctionChainError("chain", detail) from None
    header = block.header
    if header.chain_id != chain_id:
        detail = f"{served.node} serves a block of chain {header.chain_id.hex()[:16]}"
        raise AuctionChainError("chain", detail)
    validators = history.set_at(height)
    if header.height != height:
        raise AuctionChainError("chain", f"asked for height {height}, got {header.height}")
    if header.validators_hash != validators.hash():
        detail = f"height {height}: the header names another validator set than the one in force"
        raise AuctionChainError("chain", detail)
    problem = check_served_certificate(
        served.certificate,
        chain_id=chain_id,
        height=height,
        block_hash=header.block_hash(),
        validators=validators,
        verify=verify,
    )
    if problem is not None:
        detail = f"height {height}: {problem.code.value}: {problem.detail}"
        raise AuctionChainError("chain", detail)
    if parent is not None and header.prev_hash != parent.header.block_hash():
        raise AuctionChainError("chain", f"height {height}: prev_hash is not block {height - 1}")
    for code, detail in body_problems(block, check_signatures=True):
        raise AuctionChainError("chain", f"height {height}: {code.value}: {detail}")
    result_problem = served_results_problem(block, served.results)
    if result_problem is not None:
        raise AuctionChainError("chain", f"height {height}: {result_problem[1]}")
    assert isinstance(served.results, list)  # served_results_problem parsed it
    results = tuple(TxResult.from_json(item) for item in served.results)
    return CheckedBlock(block=block, results=results)


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusedTx:
    """An auction tx of the lot the chain refused (a late bid, a wrong salt, ...)."""

    tx_type: str
    height: int
    reason: str
    bidder_account: str | None


@dataclass(slots=True, kw_only=True)
class _Replay:
    lot_id: str
    opened: AuctionOpenBody | None = None
    lot: Lot | None = None
    """The lot record as the contract keeps it while open, but with no ranges (only the
    state knows which serials were escrowed)."""
    bids: dict[str, Bid] = field(default_factory=dict)
    settle: tuple[Hash32, int] | None = None
    refused: list[RefusedTx] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainAuction:
    """A lot as the certified blocks tell it, and the outcome contracts' rule gives."""

    lot: AuctionOpenBody
    opened_by: PublicKey
    """The holder key that sent auction.open."""
    open_height: int
    bids: tuple[Bid, ...]
    """Every accepted bid, by seq, with its matching reveal if any."""
    settle_tx_id: Hash32
    settle_height: int
    refused: tuple[RefusedTx, ...]
    outcome: AuctionOutcome
    blocks: int
    """How many blocks were checked."""

    @property
    def status(self) -> str:
        return LotStatus.UNSOLD if self.outcome.winner_account is None else LotStatus.SETTLED


def replay_auction(lot_id: str, blocks: Sequence[CheckedBlock]) -> ChainAuction:
    """The lot's accepted auction txs in blocks (consecutive, from its open height to its
    settle height), replayed; AuctionChainError when they break ADR 0034's rule."""
    replay = _Replay(lot_id=lot_id)
    for checked in blocks:
        for signed, result in zip(checked.block.txs, checked.results, strict=True):
            if signed.tx.type in AUCTION_TYPES and signed.tx.body.get("lot_id") == lot_id:
                _apply(replay, signed, result, checked.height)
    if replay.opened is None or replay.lot is None:
        raise AuctionChainError("auction", f"no accepted auction.open of lot {lot_id} found")
    if replay.settle is None:
        raise AuctionChainError("auction", f"no accepted auction.settle of lot {lot_id} found")
    bids = tuple(sorted(replay.bids.values(), key=lambda bid: bid.seq))
    return ChainAuction(
        lot=replay.opened,
        opened_by=replay.lot.opened_by,
        open_height=replay.lot.height,
        bids=bids,
        settle_tx_id=replay.settle[0],
        settle_height=replay.settle[1],
        refused=tuple(replay.refused),
        outcome=auction_outcome(replay.opened, bids),
        blocks=len(blocks),
    )


def _apply(replay: _Replay, signed: SignedTx, result: TxResult, height: int) -> None:
    tx_type, body = signed.tx.type, signed.tx.body
    if result.status is not TxStatus.ACCEPTED:
        bidder = body.get("bidder_account")
        replay.refused.append(
            RefusedTx(
                tx_type=tx_type,
                height=height,
                reason=result.reason or "",
                bidder_account=bidder if isinstance(bidder, str) else None,
            )
        )
        return
    try:
        if tx_type == TxType.AUCTION_OPEN.value:
            _open(replay, signed, AuctionOpenBody.from_json(body), height)
        elif tx_type == TxType.AUCTION_BID.value:
            _bid(replay, signed, AuctionBidBody.from_json(body), height)
        elif tx_type == TxType.AUCTION_REVEAL.value:
            _reveal(replay, signed, AuctionRevealBody.from_json(body), height)
        else:
            AuctionSettleBody.from_json(body)
            _settle(replay, signed, height)
    except (ProtocolError, ContractError) as error:
        detail = f"accepted {tx_type} at height {height} has a malformed body: {error}"
        raise AuctionChainError("auction", detail) from None


def _open(replay: _Replay, signed: SignedTx, body: AuctionOpenBody, height: int) -> None:
    if replay.opened is not None:
        raise AuctionChainError("auction", f"a second accepted auction.open at height {height}")
    replay.opened = body
    replay.lot = new_lot(body, (), signed.tx.sender, height)


def _lot(replay: _Replay, tx_type: str, height: int) -> Lot:
    if replay.lot is None:
        detail = (
            f"accepted {tx_type} at height {height} before the lot was opened (no accepted "
            "auction.open of the lot from the node's open height on)"
        )
        raise AuctionChainError("auction", detail)
    if replay.settle is not None:
        detail = f"accepted {tx_type} at height {height} after the lot was settled"
        raise AuctionChainError("auction", detail)
    return replay.lot


def _bid(replay: _Replay, signed: SignedTx, body: AuctionBidBody, height: int) -> None:
    lot = _lot(replay, "auction.bid", height)
    refusal = bid_refusal(lot, body.bidder_account, height)
    _accepted_against_rule(refusal, lot, f"a bid of {body.bidder_account}", height)
    replay.lot, bid = placed_bid(lot, body, signed.tx_id, height)
    replay.bids[body.bidder_account] = bid


def _reveal(replay: _Replay, signed: SignedTx, body: AuctionRevealBody, height: int) -> None:
    lot = _lot(replay, "auction.reveal", height)
    bid = replay.bids.get(body.bidder_account)
    refusal = reveal_refusal(lot, bid, body, height)
    _accepted_against_rule(refusal, lot, f"a reveal of {body.bidder_account}", height)
    assert bid is not None  # reveal_refusal's UNKNOWN_BID
    replay.bids[body.bidder_account] = revealed(bid, body, signed.tx_id)


def _settle(replay: _Replay, signed: SignedTx, height: int) -> None:
    lot = _lot(replay, "auction.settle", height)
    _accepted_against_rule(settle_refusal(lot, height), lot, "the settlement", height)
    replay.settle = (signed.tx_id, height)


def _accepted_against_rule(reason: RejectReason | None, lot: Lot, what: str, height: int) -> None:
    """AuctionChainError when the chain accepted what the contract refuses for reason."""
    if reason is None:
        return
    if reason is RejectReason.BIDDING_CLOSED:
        why = f"after bidding closed at {lot.bid_end_height}"
    elif reason in (RejectReason.REVEAL_NOT_OPEN, RejectReason.REVEAL_CLOSED):
        why = f"outside the reveal window {lot.bid_end_height + 1}..{lot.reveal_end_height}"
    elif reason is RejectReason.AUCTION_NOT_ENDED:
        why = f"before the reveal window closed at {lot.reveal_end_height}"
    elif reason is RejectReason.BID_COMMITMENT_MISMATCH:
        why = "that does not open the bid's commitment"
    elif reason in (RejectReason.UNKNOWN_BID, RejectReason.BID_ALREADY_REVEALED):
        why = "with no sealed bid to open"
    else:
        why = "that the rule refuses"
    detail = f"{what} accepted at height {height} {why} ({reason.value})"
    raise AuctionChainError("auction", detail)


# --- what the node says, against the chain ------------------------------------------------


def expected_records(chain: ChainAuction, served: Lot) -> tuple[Lot, Consideration | None]:
    """The lot record and `consideration/<settle tx_id>` the chain implies, by the contracts'
    own settlement (None: unsold). The lot's `ranges` (the escrowed serials, which only the
    state knows) are the served record's; the caller checks they hold quantity_kg."""
    opened = new_lot(chain.lot, served.ranges, chain.opened_by, chain.open_height)
    bidders = tuple(bid.bidder_account for bid in chain.bids)
    opened = replace(opened, bid_count=len(bidders), bidders=bidders)
    return settled(opened, chain.outcome, chain.settle_tx_id, chain.settle_height)


def disagreements(
    chain: ChainAuction,
    served_lot: Mapping[str, JsonValue],
    served_bids: Sequence[JsonValue],
    served_consideration: JsonValue,
) -> list[str]:
    """Each way the node's records differ from what the chain implies (empty: they agree).
    served_consideration is None when the node has no consideration/<settle tx_id>."""
    where = f"auction/{chain.lot.lot_id}"
    try:
        parsed = Lot.from_json(dict(served_lot))
    except ProtocolError as error:
        return [f"{where}: the node's record does not parse: {error}"]
    wanted_lot, wanted = expected_records(chain, parsed)
    found = _field_differences(where, wanted_lot.to_json(), served_lot)
    escrowed = sum(last - first + 1 for first, last in parsed.ranges)
    if escrowed != chain.lot.quantity_kg:
        found.append(f"{where}: its ranges hold {escrowed:,} kg, the lot {chain.lot.quantity_kg:,}")
    found += _bid_differences(chain, served_bids)
    where = f"consideration/{chain.settle_tx_id.hex()}"
    if wanted is None and served_consideration is not None:
        found.append(f"{where}: the node serves one, but the lot went unsold")
    elif wanted is not None and served_consideration is None:
        found.append(f"{where}: the node serves none, but the lot was awarded")
    elif wanted is not None and isinstance(served_consideration, dict):
        found += _field_differences(where, wanted.to_json(), served_consideration)
    elif wanted is not None:
        found.append(f"{where}: not an object")
    return found


def _bid_differences(chain: ChainAuction, served_bids: Sequence[JsonValue]) -> list[str]:
    found = []
    by_bidder = {
        str(bid.get("bidder_account")): bid for bid in served_bids if isinstance(bid, dict)
    }
    for bid in chain.bids:
        key = f"auction_bid/{bid.lot_id}/{bid.bidder_account}"
        served = by_bidder.pop(bid.bidder_account, None)
        if served is None:
            found.append(f"{key}: the node serves no such bid, the chain has one (seq {bid.seq})")
        else:
            found += _field_differences(key, bid.to_json(), served)
    found += [
        f"auction_bid/{chain.lot.lot_id}/{who}: the node serves a bid no accepted tx made"
        for who in sorted(by_bidder)
    ]
    return found


def _field_differences(
    where: str, wanted: Mapping[str, JsonValue], served: Mapping[str, JsonValue]
) -> list[str]:
    return [
        f"{where}: {name} is {_text(served.get(name))} on the node, "
        f"{_text(wanted.get(name))} by the chain"
        for name in sorted({*wanted, *served})
        if wanted.get(name) != served.get(name)
    ]


def _text(value: JsonValue) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)
