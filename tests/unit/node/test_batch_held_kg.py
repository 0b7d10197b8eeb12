"""node/registry_records.py: a batch's escrowed and pledged kg count every serial block of
the batch, however fragmented (a listing stops at LIST_LIMIT), and are read once per head
height (each read scans every block)."""

from contracts.credit_records import IssuanceBatch, SerialBlock, SerialStatus
from contracts.state_keys import SERIAL_DIGITS, batch_key
from node.registry_records import LIST_LIMIT, BatchHeldKg, RegistryRecords
from protocol.encoding import encode

BATCH = "fragmented-2024"
BLOCKS = 2 * LIST_LIMIT + 1
"""One kg each, alternating ESCROWED, PLEDGED and ACTIVE."""
STATUSES = (SerialStatus.ESCROWED, SerialStatus.PLEDGED, SerialStatus.ACTIVE)


class Chain:
    """A state map with a head height, counting the scans of the batch's serial blocks."""

    def __init__(self) -> None:
        # The batch record as stored (parsed strictly on read): BLOCKS serials, no buffer.
        fields = {"project_id": "project", "verification_id": "verification", "vintage": 2024}
        counters = {"quantity_kg": BLOCKS, "buffer_kg": 0, "retired_kg": 0, "cancelled_kg": 0}
        batch = IssuanceBatch.from_json(
            {"batch_id": BATCH, **fields, **counters, "tx_id": bytes(32).hex()}
        )
        self.state: dict[str, bytes] = {batch_key(BATCH): encode(batch.to_json())}
        for serial in range(1, BLOCKS + 1):
            self.put_block(serial, STATUSES[serial % 3])
        self.height = 5
        self.block_scans = 0

    def put_block(self, serial: int, status: SerialStatus) -> None:
        block = SerialBlock(
            batch_id=BATCH,
            first_serial=serial,
            last_serial=serial,
            status=status,
            account_id="township",
            frozen_by=None,
            retirement_id=None,
            case_id=None,
        )
        self.state[f"serials/{BATCH}/{serial:0{SERIAL_DIGITS}d}"] = encode(block.to_json())

    def list_state(self, prefix: str, limit: int) -> list[tuple[str, bytes]]:
        self.block_scans += prefix.startswith("serials/")
        return sorted((k, v) for k, v in self.state.items() if k.startswith(prefix))[:limit]


def expected(statuses: list[SerialStatus]) -> BatchHeldKg:
    return BatchHeldKg(
        escrowed_kg=statuses.count(SerialStatus.ESCROWED),
        pledged_kg=statuses.count(SerialStatus.PLEDGED),
    )


def test_every_block_counts_and_is_read_once_per_head_height() -> None:
    chain = Chain()
    records = RegistryRecords(chain.state, chain.list_state, head=lambda: chain.height)
    statuses = [STATUSES[serial % 3] for serial in range(1, BLOCKS + 1)]
    assert records.serial_blocks(BATCH)[1], "the listing is truncated"
    chain.block_scans = 0
    assert [records.batch_held_kg(BATCH) for _ in range(3)] == [expected(statuses)] * 3
    assert chain.block_scans == 1
    chain.put_block(BLOCKS, SerialStatus.PLEDGED)  # the last block, past any listing
    statuses[-1] = SerialStatus.PLEDGED
    chain.height = 6
    assert records.batch_held_kg(BATCH) == expected(statuses)
    assert chain.block_scans == 2
    assert records.batch_held_kg("no-such-batch") is None
