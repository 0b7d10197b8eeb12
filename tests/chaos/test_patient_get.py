"""The chaos harness asks a slow node again (cluster.get_patiently), on loopback, no root.

Stop 52's runs at load ~19 failed three scenarios on one `/v1/status` read that took a
node more than the harness's 4 s while the node was up and committing."""

import time
from typing import Any

import httpx
import pytest

from tests.chaos.cluster import SLOW_ANSWER_TRIES, get_patiently
from tests.unit.node.status_server import STATUS, status_server

TIMEOUT_S = 0.3


class _SlowThenQuick:
    """An answer that sleeps past the client's timeout on the first `slow` requests."""

    def __init__(self, slow: int) -> None:
        self.slow = slow
        self.asked = 0

    def __call__(self, _path: str) -> tuple[int, dict[str, Any]]:
        self.asked += 1
        if self.asked <= self.slow:
            time.sleep(TIMEOUT_S * 3)
        return 200, STATUS


def test_a_slow_answer_is_asked_again() -> None:
    answer = _SlowThenQuick(slow=1)
    with status_server(answer) as port, httpx.Client(timeout=TIMEOUT_S) as client:
        url = f"http://127.0.0.1:{port}/v1/status"
        with pytest.raises(httpx.ReadTimeout):
            client.get(url)  # what one read did before
        answer.asked, answer.slow = 0, SLOW_ANSWER_TRIES - 1
        assert get_patiently(lambda: client.get(url)).json() == STATUS
    assert answer.asked == SLOW_ANSWER_TRIES


def test_a_node_that_never_answers_in_time_still_fails() -> None:
    answer = _SlowThenQuick(slow=SLOW_ANSWER_TRIES)
    with (
        status_server(answer) as port,
        httpx.Client(timeout=TIMEOUT_S) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        get_patiently(lambda: client.get(f"http://127.0.0.1:{port}/v1/status"))
    assert answer.asked == SLOW_ANSWER_TRIES
