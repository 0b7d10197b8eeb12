"""Serial blocks and holdings: the deterministic split (DESIGN.md §5). Pure.

Every operation on credits takes the LOWEST matching serials of one account in one batch.
When a block holds more than needed it splits in two: the lower child [first, first+k-1]
keeps the parent's key and is taken, the upper child [first+k, last] gets a new key and
stays. The children are disjoint and cover the parent, so the blocks of a batch always
partition its range.
"""

from collections.abc import Callable, Iterable
from dataclasses import replace

from contracts.credit_records import Holding, SerialBlock, SerialStatus
from contracts.errors import TxRejectedError
from contracts.reasons import RejectReason
from contracts.state import StateOverlay, StateView
from contracts.state_keys import holding_key, serial_block_key
from contracts.store import load, save

BlockFilter = Callable[[SerialBlock], bool]


def load_holding(view: StateView, account_id: str, batch_id: str) -> Holding:
    """The account's holding in the batch; an empty one when it holds nothing there."""
    holding = load(view, holding_key(account_id, batch_id), Holding.from_json)
    if holding is None:
        return Holding(
            account_id=account_id,
            batch_id=batch_id,
            active_kg=0,
            frozen_kg=0,
            retired_kg=0,
            block_firsts=(),
        )
    return holding


def save_holding(overlay: StateOverlay, holding: Holding) -> None:
    """Write the holding, or delete it once it is empty (absent == empty)."""
    key = holding_key(holding.account_id, holding.batch_id)
    if holding.block_firsts or holding.retired_kg:
        save(overlay, key, holding)
    else:
        assert holding.active_kg == 0 and holding.frozen_kg == 0, holding
        overlay.delete(key)


def load_block(view: StateView, batch_id: str, first_serial: int) -> SerialBlock:
    block = load(view, serial_block_key(batch_id, first_serial), SerialBlock.from_json)
    assert block is not None, (batch_id, first_serial)
    return block


def save_blocks(overlay: StateOverlay, blocks: Iterable[SerialBlock]) -> None:
    for block in blocks:
        save(overlay, serial_block_key(block.batch_id, block.first_serial), block)


def take_lowest(
    overlay: StateOverlay,
    holding: Holding,
    quantity_kg: int,
    matches: BlockFilter,
    shortage: RejectReason,
) -> tuple[Holding, tuple[SerialBlock, ...]]:
    """Take quantity_kg of the lowest serials in matching blocks out of holding.

    Returns the holding without the taken blocks and the taken blocks, unchanged in
    status and account (the caller writes their new form). A split's upper child is
    written at once and stays in the holding. Rejects with shortage when too few match.
    """
    taken: list[SerialBlock] = []
    upper: SerialBlock | None = None
    needed = quantity_kg
    for first in holding.block_firsts:
        if needed == 0:
            break
        block = load_block(overlay, holding.batch_id, first)
        if not matches(block):
            continue
        if block.quantity_kg > needed:
            block, upper = split_block(block, needed)
            save_blocks(overlay, (upper,))
        taken.append(block)
        needed -= block.quantity_kg
    if needed:
        raise TxRejectedError(shortage, f"{quantity_kg - needed} of {quantity_kg} kg available")
    holding = remove_blocks(holding, taken)
    if upper is not None:
        # The upper child stays with the holder: index it under its new key.
        firsts = tuple(sorted((*holding.block_firsts, upper.first_serial)))
        holding = replace(holding, block_firsts=firsts)
    return holding, tuple(taken)


def split_block(block: SerialBlock, lower_kg: int) -> tuple[SerialBlock, SerialBlock]:
    """Split block into [first, first+lower_kg-1] and the rest. Requires 0 < lower_kg < size."""
    assert 0 < lower_kg < block.quantity_kg, (block, lower_kg)
    boundary = block.first_serial + lower_kg
    lower = replace(block, last_serial=boundary - 1)
    upper = replace(block, first_serial=boundary)
    return lower, upper


def add_blocks(holding: Holding, blocks: Iterable[SerialBlock]) -> Holding:
    """Index ACTIVE, FROZEN, PLEDGED or ESCROWED blocks in holding and add their ACTIVE and
    FROZEN kg."""
    blocks = tuple(blocks)
    active = sum(b.quantity_kg for b in blocks if b.status is SerialStatus.ACTIVE)
    frozen = sum(b.quantity_kg for b in blocks if b.status is SerialStatus.FROZEN)
    held = (SerialStatus.ACTIVE, SerialStatus.FROZEN, SerialStatus.PLEDGED, SerialStatus.ESCROWED)
    assert all(b.status in held for b in blocks), blocks
    firsts = tuple(sorted({*holding.block_firsts, *(b.first_serial for b in blocks)}))
    return replace(
        holding,
        active_kg=holding.active_kg + active,
        frozen_kg=holding.frozen_kg + frozen,
        block_firsts=firsts,
    )


def remove_blocks(holding: Holding, blocks: Iterable[SerialBlock]) -> Holding:
    """Drop blocks (in their pre-operation status) from holding and subtract their kg."""
    blocks = tuple(blocks)
    gone = {b.first_serial for b in blocks}
    active = sum(b.quantity_kg for b in blocks if b.status is SerialStatus.ACTIVE)
    frozen = sum(b.quantity_kg for b in blocks if b.status is SerialStatus.FROZEN)
    return replace(
        holding,
        active_kg=holding.active_kg - active,
        frozen_kg=holding.frozen_kg - frozen,
        block_firsts=tuple(f for f in holding.block_firsts if f not in gone),
    )


def take_lowest_active(
    overlay: StateOverlay,
    holding: Holding,
    quantity_kg: int,
    retired: RejectReason = RejectReason.UNITS_RETIRED,
) -> tuple[Holding, tuple[SerialBlock, ...]]:
    """take_lowest of ACTIVE serials; a shortage names what holds the missing units
    (retired: the reason to give when they were retired already)."""
    if holding.active_kg < quantity_kg:
        reason = shortage_reason(holding, quantity_kg)
        pledged = held_kg(overlay, holding, SerialStatus.PLEDGED)
        escrowed = held_kg(overlay, holding, SerialStatus.ESCROWED)
        if pledged and holding.active_kg + pledged >= quantity_kg:
            reason = RejectReason.UNITS_PLEDGED
        elif escrowed and holding.active_kg + pledged + escrowed >= quantity_kg:
            reason = RejectReason.UNITS_ESCROWED
        if reason is RejectReason.UNITS_RETIRED:
            reason = retired
        raise TxRejectedError(reason, holding.account_id)
    return take_lowest(overlay, holding, quantity_kg, is_active, RejectReason.INSUFFICIENT_BALANCE)


def shortage_reason(holding: Holding, quantity_kg: int) -> RejectReason:
    """Why quantity_kg ACTIVE kg are not there: frozen, already retired, or never held."""
    if holding.active_kg + holding.frozen_kg >= quantity_kg:
        return RejectReason.UNITS_FROZEN
    if holding.active_kg + holding.frozen_kg + holding.retired_kg >= quantity_kg:
        return RejectReason.UNITS_RETIRED
    return RejectReason.INSUFFICIENT_BALANCE


def held_kg(view: StateView, holding: Holding, status: SerialStatus) -> int:
    """The kg of holding's blocks in status: PLEDGED (ADR 0032) or ESCROWED (ADR 0034), which
    the holding's counters leave out. Reads the blocks, so only a refusal asks."""
    blocks = (load_block(view, holding.batch_id, f) for f in holding.block_firsts)
    return sum(b.quantity_kg for b in blocks if b.status is status)


def pledged_kg(view: StateView, holding: Holding) -> int:
    """The PLEDGED kg of holding (ADR 0032)."""
    return held_kg(view, holding, SerialStatus.PLEDGED)


def hold_lowest_active(
    overlay: StateOverlay, account_id: str, batch_id: str, quantity_kg: int, status: SerialStatus
) -> tuple[SerialBlock, ...]:
    """Turn the lowest ACTIVE quantity_kg of the holding into status (PLEDGED, ESCROWED): the
    blocks stay in the holding, out of its counters. Returns the held blocks."""
    holding = load_holding(overlay, account_id, batch_id)
    holding, taken = take_lowest_active(overlay, holding, quantity_kg)
    held = tuple(replace(b, status=status) for b in taken)
    save_blocks(overlay, held)
    save_holding(overlay, add_blocks(holding, held))
    return held


def unhold(
    overlay: StateOverlay,
    account_id: str,
    batch_id: str,
    ranges: Iterable[tuple[int, int]],
    status: SerialStatus,
) -> tuple[SerialBlock, ...]:
    """Take the held blocks starting at ranges' firsts (all in status) out of the holding;
    returns them as they were (the caller writes their new form, e.g. by hand_over)."""
    blocks = tuple(load_block(overlay, batch_id, first) for first, _ in ranges)
    assert all(b.status is status and b.account_id == account_id for b in blocks), blocks
    holding = load_holding(overlay, account_id, batch_id)
    save_holding(overlay, remove_blocks(holding, blocks))
    return blocks


def hand_over(overlay: StateOverlay, blocks: tuple[SerialBlock, ...], account_id: str) -> None:
    """Write blocks of one batch ACTIVE in account_id, whose holding gains them (the move of
    a transfer, a pledge's release or enforcement, a lot's settlement)."""
    moved = tuple(replace(b, status=SerialStatus.ACTIVE, account_id=account_id) for b in blocks)
    save_blocks(overlay, moved)
    holding = load_holding(overlay, account_id, moved[0].batch_id)
    save_holding(overlay, add_blocks(holding, moved))


def is_active(block: SerialBlock) -> bool:
    return block.status is SerialStatus.ACTIVE


def ranges_of(blocks: Iterable[SerialBlock]) -> tuple[tuple[int, int], ...]:
    """Closed [first, last] ranges of blocks, ascending."""
    return tuple(sorted((b.first_serial, b.last_serial) for b in blocks))
