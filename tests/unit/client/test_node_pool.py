"""client/node_pool.py: node URLs, submitting to every node, nonces and waiting."""

import re
import time

import httpx
import pytest

from client.api import DEFAULT_NODE_URL, NODES_ENV
from client.errors import (
    NodeRejectedError,
    NodeUnreachableError,
    NoNodeAnsweredError,
    SubmitError,
    UsageError,
)
from client.node_pool import NodePool, node_urls

TX_ID = "ab" * 32


def test_node_urls_from_flag_env_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NODES_ENV, raising=False)
    assert node_urls(None) == (DEFAULT_NODE_URL,)
    monkeypatch.setenv(NODES_ENV, "http://a:1, http://b:2/")
    assert node_urls(None) == ("http://a:1", "http://b:2")
    assert node_urls("http://c:3,http://c:3") == ("http://c:3",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("127.0.0.1:7101", "expected http://HOST:PORT"),
        ("ftp://a:1", "expected http://HOST:PORT"),
        (",", "no node URL given"),
        ("", "no node URL given"),
        ("http://", "expected http://HOST:PORT"),
        ("http://127.0.0.1:99999", "the port must be 1..65535"),
        ("http://127.0.0.1:0", "the port must be 1..65535"),
        ("http://127.0.0.1:7401/v1", "without /v1"),
        ("http://127.0.0.1:7401/v1/status", "without /v1"),
        ("http://127.0.0.1:7401/?x=1", "no query or fragment"),
        # httpx refused these when the client was made: a traceback (stop 52).
        ("http://256.1.1.1:7101", "Invalid IPv4 address: '256.1.1.1'"),
        ("http://[::1:7101", "Invalid IPv6 URL"),
        ("http://a\tb:7101", "Invalid non-printable ASCII character"),
    ],
)
def test_bad_node_urls_are_usage_errors(
    text: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty --node is an error even when the environment names nodes.
    monkeypatch.setenv(NODES_ENV, "http://a:1")
    with pytest.raises(UsageError, match=f"^--node .*{re.escape(reason)}|^--node: {reason}"):
        node_urls(text)


def test_a_node_behind_a_path_prefix_is_allowed() -> None:
    assert node_urls("https://registry.example.cn/lantan/") == (
        "https://registry.example.cn/lantan",
    )


@pytest.mark.parametrize("value", ["", " ", ","])
def test_lantan_nodes_set_but_empty_is_an_error_not_the_default(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NODES_ENV, value)
    with pytest.raises(UsageError, match=r"^\$LANTAN_NODES: no node URL given \(unset it"):
        node_urls(None)


def test_an_error_in_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NODES_ENV, "garbage")
    with pytest.raises(UsageError, match=r"^\$LANTAN_NODES 'garbage': expected"):
        node_urls(None)
    with pytest.raises(UsageError, match=r"^--nodes 'garbage': expected"):
        node_urls("garbage", option="--nodes")


def by_host(answers: dict[str, httpx.Response | Exception]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        result = answers[request.url.host]
        if isinstance(result, Exception):
            raise result
        return result

    return httpx.MockTransport(answer)


def rejected(code: str) -> httpx.Response:
    return httpx.Response(400, json={"error": {"code": code, "detail": "d"}})


def pending(tx_id: str = TX_ID) -> httpx.Response:
    return httpx.Response(202, json={"tx_id": tx_id, "status": "pending"})


URLS = ("http://a:1", "http://b:1", "http://c:1")


def test_submit_succeeds_when_one_node_takes_it_and_reports_the_others() -> None:
    transport = by_host(
        {"a": httpx.ConnectError("refused"), "b": pending(), "c": rejected("wrong_nonce")}
    )
    with NodePool(URLS, transport=transport) as pool:
        outcome = pool.submit({}, TX_ID)
    assert outcome.accepted_by == ("http://b:1",)
    assert set(outcome.failures) == {"http://a:1", "http://c:1"}
    assert "wrong_nonce" in str(outcome.failures["http://c:1"])


def test_submit_fails_when_no_node_takes_it() -> None:
    transport = by_host(
        {
            "a": rejected("bad_signature"),
            "b": rejected("bad_signature"),
            "c": httpx.ConnectError("refused"),
        }
    )
    with NodePool(URLS, transport=transport) as pool, pytest.raises(SubmitError) as caught:
        pool.submit({}, TX_ID)
    assert len(caught.value.failures) == 3
    assert "bad_signature" in str(caught.value)


def test_the_same_refusal_from_every_node_is_said_once() -> None:
    transport = by_host({host: rejected("wrong_chain_id") for host in ("a", "b", "c")})
    with NodePool(URLS, transport=transport) as pool, pytest.raises(SubmitError) as caught:
        pool.submit({}, TX_ID)
    assert str(caught.value) == (
        "no node accepted the tx: wrong_chain_id (HTTP 400): d"
        " (all 3 nodes: http://a:1, http://b:1, http://c:1)"
    )
    assert len(caught.value.failures) == 3


def test_a_node_that_computes_another_tx_id_does_not_count() -> None:
    transport = by_host({"a": pending("cd" * 32)})
    with (
        NodePool(URLS[:1], transport=transport) as pool,
        pytest.raises(SubmitError, match="computed tx_id"),
    ):
        pool.submit({}, TX_ID)


def nonces(committed: int, pending_nonce: int) -> httpx.Response:
    return httpx.Response(
        200, json={"public_key": "k", "committed": committed, "pending": pending_nonce}
    )


def test_next_nonce_is_one_above_the_highest_any_node_knows() -> None:
    transport = by_host({"a": nonces(3, 0), "b": nonces(3, 5), "c": httpx.ConnectError("x")})
    with NodePool(URLS, transport=transport) as pool:
        assert pool.next_nonce("k") == 6


def test_next_nonce_needs_one_node() -> None:
    transport = by_host({"a": httpx.ConnectError("x")})
    with NodePool(URLS[:1], transport=transport) as pool, pytest.raises(NodeUnreachableError):
        pool.next_nonce("k")


def test_next_nonce_from_no_node_names_every_node_and_submits_nothing() -> None:
    transport = by_host({"a": httpx.ConnectError("refused"), "b": rejected("x")})
    with (
        NodePool(URLS[:2], transport=transport) as pool,
        pytest.raises(NoNodeAnsweredError) as caught,
    ):
        pool.next_nonce("k")
    assert str(caught.value) == (
        "no node answered: http://a:1: cannot reach it: refused; http://b:1: x (HTTP 400): d"
    )


def test_first_answer_skips_unreachable_nodes_only() -> None:
    status = httpx.Response(200, json={"chain_id": "cc" * 32})
    transport = by_host({"a": httpx.ConnectError("x"), "b": status, "c": rejected("x")})
    with NodePool(URLS, transport=transport) as pool:
        assert pool.chain_id() == "cc" * 32
    transport = by_host({"a": httpx.ConnectError("x")})
    with NodePool(URLS[:1], transport=transport) as pool, pytest.raises(NodeUnreachableError):
        pool.chain_id()


@pytest.mark.parametrize(
    ("status", "code"),
    [(503, "STORE_DAMAGED"), (503, "NOT_READY"), (429, "RATE_LIMITED"), (502, "BAD_GATEWAY")],
)
def test_first_answer_passes_over_a_node_that_cannot_answer_now(status: int, code: str) -> None:
    """A node whose store is damaged answers every read 503 STORE_DAMAGED: the pool took
    that as the answer and the read failed while two healthy nodes stood behind it."""
    not_now = httpx.Response(status, json={"error": {"code": code, "detail": "d"}})
    answer = httpx.Response(200, json={"chain_id": "cc" * 32})
    with NodePool(URLS, transport=by_host({"a": not_now, "b": answer})) as pool:
        assert pool.chain_id() == "cc" * 32
    every = by_host(dict.fromkeys("abc", not_now))
    with NodePool(URLS, transport=every) as pool, pytest.raises(NoNodeAnsweredError) as caught:
        pool.chain_id()
    assert str(caught.value) == (
        f"no node answered: {code} (HTTP {status}): d (all 3 nodes: http://a:1, http://b:1,"
        " http://c:1)"
    )
    with NodePool(URLS[:1], transport=every) as pool, pytest.raises(NodeRejectedError):
        pool.chain_id()


def test_first_answer_takes_a_refusal_as_the_answer() -> None:
    """A 404 or 400 is what every node would say: the next node is not asked."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        return httpx.Response(404, json={"error": {"code": "NOT_FOUND", "detail": "d"}})

    with (
        NodePool(URLS, transport=httpx.MockTransport(answer)) as pool,
        pytest.raises(NodeRejectedError, match="NOT_FOUND"),
    ):
        pool.chain_id()
    assert asked == ["a"]


def test_first_answer_from_no_node_names_every_node_tried() -> None:
    """With every node down, the error named only the last URL: a user read it as the one
    node tried, and went looking for a typo in it."""
    transport = by_host({host: httpx.ConnectError("[Errno 111] refused") for host in "abc"})
    with NodePool(URLS, transport=transport) as pool, pytest.raises(NoNodeAnsweredError) as caught:
        pool.chain_id()
    assert str(caught.value) == (
        "no node answered: cannot reach it: [Errno 111] refused"
        " (all 3 nodes: http://a:1, http://b:1, http://c:1)"
    )
    transport = by_host({"a": httpx.ConnectError("refused"), "b": httpx.ReadTimeout("slow")})
    with (
        NodePool(URLS[:2], transport=transport) as pool,
        pytest.raises(NoNodeAnsweredError) as caught,
    ):
        pool.chain_id()
    assert str(caught.value) == (
        "no node answered: http://a:1: cannot reach it: refused;"
        " http://b:1: the node did not answer in time"
    )


def tx_status(status: str, height: int | None = None) -> httpx.Response:
    result = None if height is None else {"tx_id": TX_ID, "status": "accepted", "reason": None}
    return httpx.Response(
        200,
        json={
            "tx_id": TX_ID,
            "status": status,
            "height": height,
            "index": 0 if height else None,
            "result": result,
            "reason": None,
        },
    )


def test_wait_hands_over_from_a_node_that_forgot_the_tx() -> None:
    transport = by_host({"a": tx_status("unknown"), "b": tx_status("committed", 9)})
    with NodePool(URLS[:2], transport=transport) as pool:
        status = pool.wait_for_tx(TX_ID, timeout_ms=2000, prefer="http://a:1")
    assert (status.status, status.height, status.accepted) == ("committed", 9, True)


def test_wait_returns_pending_when_the_time_is_up() -> None:
    transport = by_host({"a": tx_status("pending")})
    with NodePool(URLS[:1], transport=transport) as pool:
        assert pool.wait_for_tx(TX_ID, timeout_ms=120).status == "pending"


def test_wait_gives_up_when_every_node_says_unknown() -> None:
    transport = by_host({"a": tx_status("unknown"), "b": tx_status("unknown")})
    with NodePool(URLS[:2], transport=transport) as pool:
        assert pool.wait_for_tx(TX_ID, timeout_ms=5000).status == "unknown"


def test_wait_ends_at_once_on_a_tx_dropped_for_its_nonce() -> None:
    # Final: another tx took its nonce. Polling on until the timeout would wait for nothing.
    transport = by_host({"a": tx_status("dropped")})
    with NodePool(URLS[:1], transport=transport) as pool:
        started = time.monotonic()
        assert pool.wait_for_tx(TX_ID, timeout_ms=5000).status == "dropped"
    assert time.monotonic() - started < 2


def test_wait_raises_when_no_node_answers() -> None:
    transport = by_host({"a": httpx.ConnectError("x")})
    with NodePool(URLS[:1], transport=transport) as pool, pytest.raises(NodeUnreachableError):
        pool.wait_for_tx(TX_ID, timeout_ms=5000)
