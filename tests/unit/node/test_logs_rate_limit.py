"""node/logs.py RateLimitedLog: one line per key per interval, with the count held back."""

import logging

import pytest

from node.logs import RateLimitedLog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_of_one_error_writes_one_line_per_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    limited = RateLimitedLog(logging.getLogger("test.rate"), interval_s=10.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="test.rate"):
        for _ in range(1000):
            limited.warning("bad_signature", "dropped %s", "x")
        limited.info("other", "another key gets through")
        clock.now += 10.0
        limited.warning("bad_signature", "dropped %s", "y")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "dropped x",
        "another key gets through",
        "dropped y (999 more like it held back)",
    ]
