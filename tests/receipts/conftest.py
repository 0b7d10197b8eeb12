"""In-process receipt chains (fixed keys, LevelDB in temp dirs), shared by the fast tests."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from genesis.example.xiangshan_case import BATCH_ID, CASE_ID, TOWNSHIP_ACCOUNT, CaseStep
from genesis.network import ECOLOGICAL_ACCOUNT_ID
from protocol.hashing import Hash32
from tests.receipts.attested_case import attested_case_steps
from tests.receipts.chain import ReceiptChain


@dataclass
class CaseChain:
    chain: ReceiptChain
    judicial: Hash32
    voluntary: Hash32
    rejected: Hash32


def run_full_case(chain: ReceiptChain, steps: tuple[CaseStep, ...] | None = None) -> CaseChain:
    """The Xiangshan case (or steps), then a voluntary retirement and a REJECTED judicial
    one."""
    ids = chain.run_case(steps)
    voluntary = chain.tx(
        TOWNSHIP_ACCOUNT,
        "credits.retire",
        {
            "account_id": TOWNSHIP_ACCOUNT,
            "batch_id": BATCH_ID,
            "quantity_kg": 1_000,
            "beneficiary": "象山县黄避岙乡 Huangbi'ao Township",
            "purpose": "voluntary_offset",
            "reason": "township events 2023",
        },
    )
    # The case is fully served: one more kilogram exceeds its requirement and is rejected.
    rejected = chain.tx(
        "xiangshan-county",
        "credits.retire_judicial",
        {
            "case_id": CASE_ID,
            "account_id": ECOLOGICAL_ACCOUNT_ID,
            "batch_id": BATCH_ID,
            "quantity_kg": 1,
            "beneficiary": "象山县蓝碳生态碳账户",
        },
        ("xiangshan-court",),
    )
    # A second rejected retirement puts the voluntary one at index 2 of 3: the block the
    # corpus relabels as index 1 of 2 (PROTOCOL.md §14.6, hole 10 of issue 14).
    also_rejected = chain.tx(
        "xiangshan-county",
        "credits.retire_judicial",
        {
            "case_id": CASE_ID,
            "account_id": ECOLOGICAL_ACCOUNT_ID,
            "batch_id": BATCH_ID,
            "quantity_kg": 2,
            "beneficiary": "象山县蓝碳生态碳账户",
        },
        ("xiangshan-court",),
    )
    chain.commit((rejected, also_rejected, voluntary))
    chain.commit()
    return CaseChain(
        chain=chain,
        judicial=ids["credits.retire_judicial"],
        voluntary=voluntary.tx_id,
        rejected=rejected.tx_id,
    )


@pytest.fixture(scope="session")
def case_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseChain]:
    chain = ReceiptChain(tmp_path_factory.mktemp("receipt-chain"))
    try:
        yield run_full_case(chain)
    finally:
        chain.close()


@pytest.fixture(scope="session")
def attested_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseChain]:
    """The case on an accredited verification (ADR 0026): the same genesis as case_chain."""
    chain = ReceiptChain(tmp_path_factory.mktemp("attested-chain"))
    try:
        yield run_full_case(chain, attested_case_steps())
    finally:
        chain.close()


@pytest.fixture(scope="session")
def other_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseChain]:
    chain = ReceiptChain(tmp_path_factory.mktemp("other-chain"), chain_name="another-network")
    try:
        yield run_full_case(chain)
    finally:
        chain.close()
