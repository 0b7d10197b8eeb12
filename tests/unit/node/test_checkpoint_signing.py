"""node/checkpoint_signing.py: heads are signed one after another in commit order, beside
the next height; one failing head is logged and does not stop the ones after it."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from node.checkpoint_signing import CheckpointSigning


def test_jobs_run_one_after_another_in_submit_order() -> None:
    async def run() -> list[str]:
        signing, ran = CheckpointSigning(), []

        def job(size: int, delay_s: float) -> Callable[[], Awaitable[None]]:
            async def sign() -> None:
                ran.append(f"{size} start")
                await asyncio.sleep(delay_s)
                ran.append(f"{size} end")

            return sign

        signing.submit(1, job(1, 0.05))
        signing.submit(2, job(2, 0))
        signing.submit(3, job(3, 0.01))
        await signing.idle()
        return ran

    assert asyncio.run(run()) == ["1 start", "1 end", "2 start", "2 end", "3 start", "3 end"]


def test_a_failing_head_is_logged_and_the_next_still_signed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> list[int]:
        signing, signed = CheckpointSigning(), []

        async def fails() -> None:
            raise OSError("disk full")

        async def works() -> None:
            signed.append(8)

        signing.submit(7, fails)
        signing.submit(8, works)
        await signing.idle()
        return signed

    with caplog.at_level(logging.ERROR, logger="lantan.checkpoints"):
        assert asyncio.run(run()) == [8]
    assert "signing the checkpoint of size 7 failed" in caplog.text


def test_stop_cancels_what_has_not_ended() -> None:
    async def run() -> list[int]:
        signing, signed = CheckpointSigning(), []

        async def slow() -> None:
            await asyncio.sleep(30)
            signed.append(1)

        async def after() -> None:
            signed.append(2)

        signing.submit(1, slow)
        signing.submit(2, after)
        await asyncio.sleep(0)
        await asyncio.wait_for(signing.stop(), 5)
        return signed

    assert asyncio.run(run()) == []
