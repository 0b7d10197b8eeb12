"""POST /v1/txs under overload: admission runs off the event loop with a bounded backlog;
a submission past it is refused whole (503 admission_busy, Retry-After) before parsing."""

import asyncio
import threading

import pytest

import node.tx_admission
from node.service import NodeService
from node.tx_outcomes import ADMISSION_BUSY
from tests.unit.node.api.kit import Api, assert_error, post_tx
from tests.unit.node.chain_kit import account_open


def test_a_full_backlog_refuses_the_submission_with_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(node.tx_admission, "ADMISSION_BACKLOG_MAX", 0)
    error = assert_error(post_tx(api, account_open(1)), 503, ADMISSION_BUSY)
    assert "wait for admission" in error["detail"]
    assert len(api.service.mempool) == 0
    monkeypatch.setattr(node.tx_admission, "ADMISSION_BACKLOG_MAX", 1)
    assert post_tx(api, account_open(1)).status_code == 202


def test_the_loop_answers_while_admission_works_and_the_backlog_is_bounded(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    service: NodeService = api.service
    monkeypatch.setattr(node.tx_admission, "ADMISSION_BACKLOG_MAX", 3)
    release = threading.Event()
    admit_all = service.admission._admit_all

    def held(*args: object) -> object:
        release.wait(10)
        return admit_all(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service.admission, "_admit_all", held)
    txs = [account_open(nonce).canonical_bytes() for nonce in (1, 2, 3)]

    async def scenario() -> None:
        first = asyncio.create_task(service.submit(txs[:2]))
        await asyncio.sleep(0.05)  # the loop runs while the first batch is in admission
        refused = await service.submit(txs[2:] * 2)  # 2 + 2 > 3
        assert [o.reason for o in refused] == [ADMISSION_BUSY, ADMISSION_BUSY]
        fits = asyncio.create_task(service.submit(txs[2:]))  # 2 + 1 <= 3
        await asyncio.sleep(0.05)
        release.set()
        assert all(o.accepted and o.reason is None for o in await first)
        # Past the gate and admitted (its nonce was checked against the pool it saw).
        (late,) = await fits
        assert late.reason != ADMISSION_BUSY and late.tx_id is not None
        assert service.admission.backlog == 0

    asyncio.run(scenario())
    assert len(service.mempool) == 2
