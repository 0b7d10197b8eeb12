"""Unknown routes, health, metrics, OpenAPI, the peer routes, request ids, odd sizes."""

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nacl.pwhash
import pytest

from consensus import message_to_json
from genesis.document import build_genesis
from genesis.keystore import KdfLimits
from genesis.network import init_local_network
from node.api.limits import HEADER_BYTES_MAX
from node.api.route_paths import RoutePaths
from node.api.routes import peer as peer_routes
from node.logs import ContextFilter
from node.peer_envelope import ENVELOPE_BYTES_MAX, PeerKind, seal_envelope
from node.peering import FAR_AHEAD_HEIGHTS, vote_or_proposal_height
from protocol.encoding import JsonObject
from protocol.hashing import sha256
from protocol.votes import precommit, sign_vote
from tests.unit.node.api.kit import (
    Api,
    TestClient,
    assert_error,
    make_api,
)
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    KEYS,
    VALIDATOR_KEYS,
    account_open,
    open_ledger,
)

# --- HTTP errors, health, peers --------------------------------------------------------------


def test_unknown_routes_and_methods(api: Api) -> None:
    assert_error(api.client.get("/v1/nothing"), 404, "NOT_FOUND")
    assert_error(api.client.delete("/v1/txs"), 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/txs", "GET, HEAD, POST"),  # GET: its prefix lookup
        ("GET", "/v1/checkpoints/5/cosignatures", "POST"),
        ("HEAD", "/v1/checkpoints/5/cosignatures", "POST"),  # HEAD is a GET without its body
        ("PUT", "/v1/status", "GET, HEAD"),
        ("POST", "/v1/blocks/1", "GET, HEAD"),
        ("GET", "/peer/consensus", "POST"),
        ("POST", "/", "GET, HEAD"),  # a web page: the same JSON refusal
    ],
)
def test_a_405_names_in_allow_what_the_path_answers(
    api: Api, method: str, path: str, allow: str
) -> None:
    # RFC 9110 §15.5.6: a 405 MUST carry Allow; the error stays JSON.
    response = api.client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == allow
    if method != "HEAD":
        error = assert_error(response, 405, "METHOD_NOT_ALLOWED")
        assert error["detail"] == f"method not allowed: {path} allows {allow}"
    else:
        assert response.content == b""


def _plain_get_paths(app: Any) -> list[str]:
    """Every GET route of app that takes no path parameter."""
    paths: RoutePaths = app.state.route_paths
    return sorted(
        route.path
        for route in paths.routes
        if "GET" in (route.methods or ()) and "{" not in route.path
    )


def test_head_is_answered_for_every_get_route_as_the_get_without_its_body(api: Api) -> None:
    paths = _plain_get_paths(api.client.app)
    assert {"/v1/status", "/healthz", "/", "/openapi.json", "/docs"} <= set(paths)
    for path in [*paths, "/v1/blocks/0", "/static/style.css", "/blocks/0"]:
        get = api.client.get(path)
        head = api.client.head(path)
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"], path
        if path not in ("/metrics", "/v1/status"):  # these two change between requests
            assert head.headers["content-length"] == str(len(get.content)), path


def test_head_of_an_unknown_path_or_a_refusal_is_the_get_s_head(api: Api) -> None:
    head = api.client.head("/v1/nothing")
    assert (head.status_code, head.content) == (404, b"")
    assert head.headers["content-type"] == "application/json"
    head = api.client.head("/v1/blocks/99")
    assert (head.status_code, head.content) == (404, b"")


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/v1/txs/", "/v1/txs"),
        ("/v1/blocks/", "/v1/blocks"),
        ("/v1/accounts/", "/v1/accounts"),
        ("/v1/status//", "/v1/status"),
        ("/projects/", "/projects"),  # a web page: no page links with a trailing slash
        ("/healthz/", "/healthz"),
    ],
)
def test_a_trailing_slash_is_a_404_naming_the_route_not_a_redirect(
    api: Api, path: str, route: str
) -> None:
    response = api.client.get(path, follow_redirects=False)
    error = assert_error(response, 404, "NOT_FOUND")
    assert error["detail"] == f"no route {path}; the route is {route}, without the trailing slash"
    assert "location" not in response.headers
    head = api.client.head(path, follow_redirects=False)
    assert (head.status_code, head.content) == (404, b"")


def test_a_missing_trailing_slash_is_not_redirected_either(api: Api) -> None:
    # /v1/state/{key:path} matches /v1/state/ (an empty key, 404 too): no 307 to it.
    response = api.client.get("/v1/state", follow_redirects=False)
    assert assert_error(response, 404, "NOT_FOUND")["detail"] == "Not Found"
    assert_error(api.client.get("/v1/nothing/", follow_redirects=False), 404, "NOT_FOUND")


def test_a_head_over_the_bound_is_431_even_when_it_arrives_whole(api: Api) -> None:
    # h11 bounds only a head still incomplete; one read whole reaches the app, which bounds it.
    under = {"x-filler": "a" * (HEADER_BYTES_MAX // 2)}
    assert api.client.get("/healthz", headers=under).status_code == 200
    over = {f"x-filler-{i}": "a" * 1000 for i in range(HEADER_BYTES_MAX // 1000 + 1)}
    assert_error(api.client.get("/healthz", headers=over), 431, "HEADERS_TOO_LARGE")
    long_query = "/v1/blocks?after=" + "1" * HEADER_BYTES_MAX
    assert_error(api.client.get(long_query), 431, "HEADERS_TOO_LARGE")


def test_health_readiness_and_metrics(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 503  # an observer with no reachable peer
    assert ready.json()["ready"] is False
    assert any("connected to 0 peers" in p for p in ready.json()["problems"])
    metrics = api.client.get("/metrics", headers={"x-request-id": "scrape-1"})
    assert metrics.status_code == 200
    assert metrics.headers["x-request-id"] == "scrape-1"
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    names = [line.split()[0] for line in metrics.text.splitlines() if not line.startswith("#")]
    assert names
    assert all(name.startswith(("lantan_", "process_", "python_")) for name in names)
    assert "lantan_height 0.0" in metrics.text
    assert "# TYPE lantan_blocks_committed_total counter" in metrics.text
    assert "# TYPE lantan_tx_commit_latency_seconds histogram" in metrics.text
    assert 'lantan_node_info{chain_id="' in metrics.text
    assert 'node="ningbo-ptc"' in metrics.text
    # Requests are labelled by route template and status.
    assert (
        'lantan_http_request_duration_seconds_count{method="GET",route="/readyz",status="503"} 1.0'
        in metrics.text
    )
    # Without a client id, each request gets a fresh one.
    first, second = (api.client.get("/healthz").headers["x-request-id"] for _ in range(2))
    assert first != second


def test_the_openapi_schema_is_served(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    assert "/v1/txs" in schema["paths"]
    assert not any(path.startswith("/peer/") for path in schema["paths"])


def test_peer_messages_are_answered_202_and_refusals_counted(api: Api) -> None:
    garbage = api.client.post("/peer/consensus", content=b"nonsense")
    assert (garbage.status_code, garbage.json()) == (202, {"accepted": False})
    assert api.inbox.dropped["malformed"] == 1
    outsider = seal_envelope(KEYS["xiangshan-court"], CHAIN_ID, PeerKind.TXS, {"txs": []})
    assert api.client.post("/peer/txs", content=outsider).json() == {"accepted": False}
    assert api.inbox.dropped["unknown_key"] == 1
    # A validator's envelope with a body that is no tx list opens, then its body is dropped:
    # the answer says so (it said true, hostile pass h56).
    bad_body = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.TXS, {"tx": 1})
    assert api.client.post("/peer/txs", content=bad_body).json() == {"accepted": False}
    assert api.inbox.dropped["bad_body"] == 1
    # Gossiped txs are admitted like submitted ones.
    tx = account_open(1)
    gossip = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.TXS, {"txs": [tx.to_json()]})
    assert api.client.post("/peer/txs", content=gossip).json() == {"accepted": True}
    assert tx.tx_id in api.service.mempool
    assert "lantan_peer_messages_dropped_total" in api.client.get("/metrics").text


def test_peer_posts_are_answered_below_the_framework_with_the_same_answer(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PeerFastPath answers /peer/... itself (the FastAPI endpoint is never entered), with
    the route's status, body, request id and metrics label; the size limit still holds."""

    def endpoint_entered(*_args: object) -> None:
        raise AssertionError("the FastAPI peer endpoint was entered")

    monkeypatch.setattr(peer_routes, "_receive", endpoint_entered)
    vote = sign_vote(precommit(CHAIN_ID, 1, 0, sha256(b"block")), VALIDATOR_KEYS[0])
    data = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.CONSENSUS, message_to_json(vote))
    answer = api.client.post("/peer/consensus", content=data, headers={"x-request-id": "p-1"})
    assert (answer.status_code, answer.content) == (202, b'{"accepted":true}')
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-request-id"] == "p-1"
    refused = api.client.post("/peer/consensus", content=b"nonsense")
    assert (refused.status_code, refused.content) == (202, b'{"accepted":false}')
    too_large = api.client.post("/peer/txs", content=b"x" * (ENVELOPE_BYTES_MAX + 1))
    assert too_large.status_code == 413
    metrics = api.client.get("/metrics").text
    label = 'method="POST",route="/peer/consensus",status="202"'
    assert f"lantan_http_request_duration_seconds_count{{{label}}} 2.0" in metrics
    # Other methods still reach the app (and its 405).
    assert_error(api.client.get("/peer/consensus"), 405, "METHOD_NOT_ALLOWED")


def test_votes_far_above_our_height_are_dropped_before_decoding(api: Api) -> None:
    def post_vote(height: int) -> bool:
        vote = sign_vote(precommit(CHAIN_ID, height, 0, sha256(b"block")), VALIDATOR_KEYS[0])
        body = message_to_json(vote)
        data = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.CONSENSUS, body)
        answer = api.client.post("/peer/consensus", content=data).json()
        return bool(answer["accepted"])

    far = api.ledger.height + 1 + FAR_AHEAD_HEIGHTS
    assert post_vote(far) and post_vote(1)
    assert api.inbox.dropped["far_ahead"] == 0
    # Its envelope verifies, then it is counted and dropped undecoded (answered so); the
    # height it names still tells block sync's pace that a peer is ahead.
    heard: list[int] = []
    api.inbox.runtime = SimpleNamespace(note_heard=heard.append)  # type: ignore[assignment]
    assert not post_vote(far + 1)
    assert api.inbox.dropped["far_ahead"] == 1
    assert heard == [far + 1]
    assert api.inbox.dropped["bad_body"] == 0


@pytest.mark.parametrize(
    ("body", "height"),
    [
        ({"kind": "proposal", "signed": {"proposal": {"height": 7}}}, 7),
        ({"kind": "vote", "vote": {"vote": {"height": 9}}}, 9),
        ({"kind": "vote", "vote": {"vote": {"height": True}}}, None),
        ({"kind": "vote", "vote": [1]}, None),
        ({"kind": "proposal", "signed": None}, None),
        ({"kind": "commit", "height": 99}, None),
        ({"kind": "status", "height": 99}, None),
    ],
)
def test_only_a_well_shaped_vote_or_proposal_names_a_height_to_drop_by(
    body: JsonObject, height: int | None
) -> None:
    assert vote_or_proposal_height(body) == height


# --- a genesis made by `genesis init` --------------------------------------------------------


def test_the_api_over_a_local_network_genesis(tmp_path: Path) -> None:
    limits = KdfLimits(
        opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN, memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN
    )
    document = init_local_network(
        tmp_path / "net", validator_count=4, genesis_time_ms=GENESIS_TIME_MS, limits=limits
    )
    genesis = build_genesis(document)
    ledger = open_ledger(tmp_path / "net" / "xiangshan-court" / "data", genesis)
    try:
        _service, _inbox, app = make_api(ledger)
        with TestClient(app) as client:
            status = client.get("/v1/status").json()
            assert status["chain_id"] == document.chain_id().hex()
            assert (status["quorum"], status["f_S"], status["f_L"]) == (3, 1, 1)
            assert len(status["validators"]) == 4
            accounts = client.get("/v1/accounts").json()["items"]
            assert [a["kind"] for a in accounts] == ["ecological"]
    finally:
        ledger.store.close()


@pytest.mark.parametrize("size", [2, 2**64, 152994564867802923008])
def test_checkpoint_sizes_no_checkpoint_can_have_are_404_not_500(api: Api, size: int) -> None:
    # schemathesis found /v1/receipts/{id}?size=<21 digits> raising in the 8-byte store key.
    assert_error(api.client.get(f"/v1/checkpoints/{size}"), 404, "NOT_FOUND")
    response = api.client.get(f"/v1/receipts/{'00' * 32}", params={"size": size})
    assert 400 <= response.status_code < 500


def test_a_requests_log_lines_carry_its_request_id(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.DEBUG, logger="lantan.http"):
        api.client.get("/v1/status", headers={"x-request-id": "audit-42"})
        api.client.get("/v1/status", headers={"x-request-id": "not a token!"})
    first, second = (r for r in caplog.records if r.name == "lantan.http")
    assert first.getMessage().startswith("GET /v1/status -> 200")
    assert first.request_id == "audit-42"  # type: ignore[attr-defined]
    assert len(second.request_id) == 16  # type: ignore[attr-defined]  # made by the node


@pytest.mark.parametrize(
    ("url", "unknown"),
    [
        ("/v1/proofs/state/params?heigth=0", "heigth"),
        ("/v1/blocks?limt=1", "limt"),
        ("/v1/institutions?limit=2&page=2", "page"),
        ("/v1/proofs/header/0?sise=2", "sise"),
        ("/v1/txs/" + "ab" * 32 + "?wait=100", "wait"),
    ],
)
def test_a_route_that_takes_query_parameters_refuses_one_it_does_not_know(
    api: Api, url: str, unknown: str
) -> None:
    # `?heigth=5` was silently the default height: a proof of another block than asked.
    error = assert_error(api.client.get(url), 400, "BAD_REQUEST")
    assert error["detail"].startswith(f"unknown query parameter {unknown!r}: "), error
    assert ":path" not in error["detail"]  # the route as PROTOCOL.md spells it


@pytest.mark.parametrize(
    ("url", "repeated"),
    [
        ("/v1/blocks?limit=1&limit=2", "limit"),
        ("/v1/blocks?limit=abc&limit=1", "limit"),  # the last one alone was read: 200
        ("/v1/blocks/range?from=1&limit=1&from=3", "from"),
        ("/v1/proofs/consistency?first=1&second=1&first=1", "first"),  # same value too
    ],
)
def test_a_query_parameter_given_twice_is_refused_naming_it(
    api: Api, url: str, repeated: str
) -> None:
    # The last one was read and the others never looked at: an invalid one passed unseen.
    error = assert_error(api.client.get(url), 400, "BAD_REQUEST")
    assert error["detail"].startswith(f"query parameter {repeated!r} given "), error


def test_known_parameters_pass_and_a_route_that_takes_none_ignores_them(api: Api) -> None:
    assert api.client.get("/v1/proofs/state/params?height=0").status_code == 200
    assert api.client.get("/v1/institutions?limit=2").status_code == 200
    assert api.client.get("/v1/status?_=1").status_code == 200  # a cache-buster
    assert api.client.get("/v1/status?_=1&_=2").status_code == 200


def test_a_dropped_peer_message_s_line_names_its_reason_for_the_rate_limit(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # The log's rate limit gives each reason a budget of its own (node/logs.py): five
    # malformed envelopes no longer hide the line of an unknown key's right after.
    outsider = seal_envelope(KEYS["xiangshan-court"], CHAIN_ID, PeerKind.TXS, {"txs": []})
    with caplog.at_level(logging.INFO, logger="lantan.peer"):
        api.client.post("/peer/consensus", content=b"nonsense")
        api.client.post("/peer/txs", content=outsider)
    reasons = [getattr(r, "reason", None) for r in caplog.records if r.name == "lantan.peer"]
    assert reasons == ["malformed", "unknown_key"]


def test_a_vote_far_ahead_is_logged_naming_its_sender_and_height(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # Counted alone before (hostile pass h56: `far_ahead` moved and nothing named who).
    far = api.ledger.height + 2 + FAR_AHEAD_HEIGHTS
    vote = sign_vote(precommit(CHAIN_ID, far, 0, sha256(b"block")), VALIDATOR_KEYS[0])
    data = seal_envelope(VALIDATOR_KEYS[0], CHAIN_ID, PeerKind.CONSENSUS, message_to_json(vote))
    with caplog.at_level(logging.INFO, logger="lantan.peer"):
        assert api.client.post("/peer/consensus", content=data).json() == {"accepted": False}
    (line,) = (r for r in caplog.records if r.name == "lantan.peer")
    sender = VALIDATOR_KEYS[0].public_key.hex()[:16]
    assert line.getMessage() == (
        f"dropped peer message (far_ahead): vote or proposal of height {far} from {sender},"
        " out of the window around ours"
    )
    fields = {k: getattr(line, k, None) for k in ("reason", "sender", "peer_height")}
    assert fields == {"reason": "far_ahead", "sender": sender, "peer_height": far}
