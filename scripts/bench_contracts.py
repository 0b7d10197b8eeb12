#!/usr/bin/env python3
"""Benchmark the contracts: apply time per tx by type, and a block of 1,000 txs (execute_block).

Runs in one process on MemoryState over the example Xiangshan network of
genesis/example/parties.py. Txs are built and signed before the clock starts, so
the numbers cover admission (Ed25519 verification included) and execution only; no SMT,
no storage. Usage: .venv/bin/python scripts/bench_contracts.py [--per-type N]
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.transition import execute_block
from genesis.example.chain import ExampleChain
from genesis.example.parties import ECO_ACCOUNT, party_key
from genesis.example.txs import attest_body
from genesis.example.xiangshan_case import (
    BATCH_ID,
    CASE_ID,
    PROJECT_ID,
    TOWNSHIP_ACCOUNT,
    xiangshan_case_steps,
)
from protocol.tx import SignedTx

COUNTY, NINGBO, COURT = (
    party_key(n) for n in ("xiangshan-county", "ningbo-ptc", "xiangshan-court")
)
TOWNSHIP = party_key(TOWNSHIP_ACCOUNT)
HASH = "ab" * 32
KEY_INSTITUTIONS = 20
"""Institutions that key.register adds keys to (each may hold at most 16 keys)."""


def funded_chain() -> ExampleChain:
    """Genesis plus the case's first five steps: the township holds 450,000 kg."""
    chain = ExampleChain.create()
    for step in xiangshan_case_steps()[:5]:
        assert chain.submit_step(step).reason is None
    # Move 100,000 kg to the Ecological Account for the judicial retirements.
    body: dict[str, Any] = {"from_account": TOWNSHIP_ACCOUNT, "to_account": ECO_ACCOUNT}
    body["batch_id"] = BATCH_ID
    body |= {"quantity_kg": 100_000, "broker": None}
    assert chain.submit("credits.transfer", TOWNSHIP, body).reason is None
    verification = verification_body("bench", verified_kg=10**9)
    assert chain.submit("verification.record", COUNTY, verification).reason is None
    members = [institution_body(f"i{i}") for i in range(KEY_INSTITUTIONS)]
    block = [chain.build("institution.register", COUNTY, b, (NINGBO,)) for b in members]
    assert all(r.reason is None for r in chain.apply(block))
    return chain


def institution_body(institution_id: str) -> dict[str, Any]:
    return {
        "institution_id": institution_id,
        "name_zh": "机构",
        "name_en": "institution",
        "roles": ["auditor"],
        "public_keys": [party_key(institution_id).public_key.hex()],
    }


def verification_body(verification_id: str, *, verified_kg: int) -> dict[str, Any]:
    """A 2023 verification of the case's project (credits.issue in the drafts issues from
    the funded chain's one of 10**9 kg)."""
    return {
        "verification_id": verification_id,
        "project_id": PROJECT_ID,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "verification_body": "x",
        "report_hashes": [HASH],
        "verified_kg": verified_kg,
    }


def hold(i: int) -> dict[str, Any]:
    return {
        "account_id": TOWNSHIP_ACCOUNT,
        "batch_id": BATCH_ID,
        "quantity_kg": 1,
        "reason": f"r{i}",
    }


def drafts() -> dict[str, Callable[[ExampleChain, int], SignedTx]]:
    """tx type -> a function building its i-th valid tx on a funded chain."""
    return {
        "account.open": lambda c, i: c.build(
            "account.open",
            NINGBO,
            {
                "account_id": f"a{i}",
                "holder_key": party_key(f"h{i}").public_key.hex(),
                "display_name": "某企业",
                "kind": "enterprise",
            },
        ),
        "project.register": lambda c, i: c.build(
            "project.register",
            COUNTY,
            {
                "project_id": f"p{i}",
                "name_zh": "项目",
                "name_en": "p",
                "ecosystem": "seagrass",
                "location": "象山",
                "accounting_standard": "VM0033",
                "owner": "某村",
                "document_hashes": [HASH],
            },
        ),
        "verification.record": lambda c, i: c.build(
            "verification.record", COUNTY, verification_body(f"v{i}", verified_kg=1000)
        ),
    } | credit_drafts()


def credit_drafts() -> dict[str, Callable[[ExampleChain, int], SignedTx]]:
    transfer = {"from_account": TOWNSHIP_ACCOUNT, "to_account": ECO_ACCOUNT, "batch_id": BATCH_ID}
    return {
        "credits.issue": lambda c, i: c.build(
            "credits.issue",
            COUNTY,
            {
                "batch_id": f"b{i}",
                "verification_id": "bench",
                "vintage": 2022,
                "quantity_kg": 9,
                "buffer_kg": 1,
                "to_account": TOWNSHIP_ACCOUNT,
            },
        ),
        "credits.transfer": lambda c, i: c.build(
            "credits.transfer", TOWNSHIP, transfer | {"quantity_kg": 1, "broker": None}
        ),
        "credits.transfer (brokered)": lambda c, i: c.build(
            "credits.transfer",
            TOWNSHIP,
            transfer | {"quantity_kg": 1, "broker": "ningbo-ptc"},
            (NINGBO,),
        ),
        "credits.retire": lambda c, i: c.build(
            "credits.retire",
            TOWNSHIP,
            {
                "account_id": TOWNSHIP_ACCOUNT,
                "batch_id": BATCH_ID,
                "quantity_kg": 1,
                "beneficiary": "b",
                "purpose": "p",
                "reason": "r",
            },
        ),
    } | case_drafts()


def case_drafts() -> dict[str, Callable[[ExampleChain, int], SignedTx]]:
    return {
        "case.register": lambda c, i: c.build(
            "case.register",
            COURT,
            {
                "case_id": f"c{i}",
                "court": "xiangshan-court",
                "case_number": "n",
                "case_type": "t",
                "plaintiff": None,
                "obligors": [{"masked_name": "王某某", "id_hash": HASH}],
                "required_kg": 10,
                "document_hash": HASH,
            },
        ),
        "credits.retire_judicial": lambda c, i: c.build(
            "credits.retire_judicial",
            COUNTY,
            {
                "case_id": CASE_ID,
                "account_id": ECO_ACCOUNT,
                "batch_id": BATCH_ID,
                "quantity_kg": 1,
                "beneficiary": "生态账户",
            },
            (COURT,),
        ),
        "credits.freeze": lambda c, i: c.build("credits.freeze", COURT, hold(i)),
        "credits.cancel": lambda c, i: c.build("credits.cancel", COUNTY, hold(i), (NINGBO,)),
        "insurance.attest": lambda c, i: c.build(
            "insurance.attest", NINGBO, attest_body(f"pol{i}")
        ),
        "institution.register": lambda c, i: c.build(
            "institution.register", COUNTY, institution_body(f"n{i}"), (NINGBO,)
        ),
        "key.register": lambda c, i: c.build(
            "key.register",
            COUNTY,
            {
                "institution_id": f"i{i % KEY_INSTITUTIONS}",
                "public_key": party_key(f"k{i}").public_key.hex(),
            },
            (NINGBO,),
        ),
    }


CPU_SECONDS: list[float] = []
"""This process's CPU seconds of each timed block (steadier than elapsed on a shared box)."""


def time_block(chain: ExampleChain, txs: list[SignedTx]) -> float:
    """Seconds to apply one block of txs (every tx must be accepted)."""
    ctx = chain.next_context()
    start, cpu_start = time.perf_counter(), time.process_time()
    results = execute_block(chain.state, ctx, txs, (), tree=None).results
    elapsed = time.perf_counter() - start
    CPU_SECONDS.append(time.process_time() - cpu_start)
    rejected = [r.reason for r in results if r.reason is not None]
    assert not rejected, rejected[:3]
    return elapsed


def cpu_us(count: int) -> str:
    return f"cpu {CPU_SECONDS[-1] * 1e6 / count:.0f} us/tx"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-type", type=int, default=200, help="txs per type (one block)")
    args = parser.parse_args()
    print(f"apply time per tx, {args.per_type} txs of one type in one block:")
    for name, build in drafts().items():
        chain = funded_chain()
        txs = [build(chain, i) for i in range(args.per_type)]
        seconds = time_block(chain, txs)
        print(f"  {name:28} {seconds * 1e6 / len(txs):8.0f} us/tx  {cpu_us(len(txs))}")
    chain = funded_chain()
    builders = list(drafts().values())
    mixed = [builders[i % len(builders)](chain, i) for i in range(1_000)]
    seconds = time_block(chain, mixed)
    print(
        f"execute_block, 1,000 mixed txs: {seconds * 1e3:.0f} ms ({seconds * 1e6 / 1000:.0f} us/tx,"
        f" {cpu_us(1000)})"
    )
    chain = funded_chain()
    transfers = [drafts()["credits.transfer"](chain, i) for i in range(1_000)]
    seconds = time_block(chain, transfers)
    print(
        f"execute_block, 1,000 transfers: {seconds * 1e3:.0f} ms ({seconds * 1e6 / 1000:.0f} us/tx,"
        f" {cpu_us(1000)})"
    )


if __name__ == "__main__":
    main()
