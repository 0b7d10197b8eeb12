"""/openapi.json says what the node does (stop 57's integrator findings): 400 ErrorResponse
for invalid input, never FastAPI's 422; the bounds of its parameters as JSON Schema reads
them; each status a route answers declared, in the media type it is sent in."""

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from node.api.openapi import ERROR_SCHEMA_REF
from node.api.pagination import PAGE_LIMIT_MAX
from node.api.routes import chain
from node.sync_fetch import BLOCK_RANGE_LIMIT_MAX
from node.tx_outcomes import WAIT_MS_MAX
from tests.unit.node.api.kit import Api

RAW_BOUND_KEYS = frozenset({"ge", "le", "gt", "lt"})
"""pydantic's names for bounds: no JSON Schema tool reads them (minimum, maximum, ...)."""


def _keys(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (path, key) of a JSON value's objects, depth first."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key
            yield from _keys(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _keys(item, f"{path}/{index}")


def _parameter(schema: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = schema["paths"][path]["get"]["parameters"]
    found: dict[str, Any] = next(p["schema"] for p in parameters if p["name"] == name)
    return found


def test_parameter_bounds_are_json_schema_minimum_and_maximum(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    raw = [f"{path}/{key}" for path, key in _keys(schema["paths"]) if key in RAW_BOUND_KEYS]
    assert raw == []
    lists = [
        path
        for path, operations in schema["paths"].items()
        if any(p["name"] == "limit" for p in operations.get("get", {}).get("parameters", []))
    ]
    assert len(lists) > 15
    for path in lists:
        expected = BLOCK_RANGE_LIMIT_MAX if path == "/v1/blocks/range" else PAGE_LIMIT_MAX
        assert _parameter(schema, path, "limit") | {"maximum": expected, "minimum": 1} == (
            _parameter(schema, path, "limit")
        ), path
    assert (BLOCK_RANGE_LIMIT_MAX, PAGE_LIMIT_MAX, WAIT_MS_MAX) == (64, 100, 30_000)
    wait = _parameter(schema, "/v1/txs/{tx_id}", "wait_ms")
    assert (wait["minimum"], wait["maximum"]) == (0, WAIT_MS_MAX)
    assert _parameter(schema, "/v1/blocks/{height}", "height")["minimum"] == 0
    assert _parameter(schema, "/v1/checkpoints/{size}", "size")["minimum"] == 1
    optional_size = _parameter(schema, "/v1/proofs/header/{height}", "size")
    assert {"type": "integer", "minimum": 1} in optional_size["anyOf"]


def test_invalid_input_is_declared_400_error_response_never_422(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    assert "HTTPValidationError" not in str(schema)
    operations = [
        (f"{method} {path}", operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert not [name for name, operation in operations if "422" in operation["responses"]]
    with_input = [(n, o) for n, o in operations if o.get("parameters") or o.get("requestBody")]
    assert len(with_input) > 40
    for name, operation in with_input:
        declared = operation["responses"]["400"]["content"]
        assert declared == {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}}, name
    # What the node sends for one: 400 with that shape.
    answer = api.client.get("/v1/blocks/abc")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "BAD_REQUEST"


SAMPLE = (
    ("/healthz", "/healthz", None),
    ("/readyz", "/readyz", None),  # 503: this node reaches no peer
    ("/metrics", "/metrics", None),
    ("/v1/status", "/v1/status", None),
    ("/v1/fork", "/v1/fork", None),
    ("/v1/blocks/{height}", "/v1/blocks/0", None),
    ("/v1/blocks/{height}", "/v1/blocks/abc", None),
    ("/v1/blocks/{height}", "/v1/blocks/99", None),
    ("/v1/blocks", "/v1/blocks?limit=101", None),
    ("/v1/blocks/range", "/v1/blocks/range?from=1", None),
    ("/v1/blocks/range", "/v1/blocks/range?from=1", "busy"),
    ("/v1/checkpoints/latest", "/v1/checkpoints/latest", None),
    ("/v1/checkpoints/{size}", "/v1/checkpoints/0", None),
    ("/v1/checkpoints/{size}", "/v1/checkpoints/7", None),
    ("/v1/proofs/header/{height}", "/v1/proofs/header/0", None),
    ("/v1/proofs/consistency", "/v1/proofs/consistency?first=1&second=1", None),
    ("/v1/proofs/tx/{tx_id}", "/v1/proofs/tx/" + "ab" * 32, None),
    ("/v1/proofs/state/{key}", "/v1/proofs/state/params", None),
    ("/v1/state/{key}", "/v1/state/acount/x", None),
    ("/v1/receipts/{retirement_id}", "/v1/receipts/xyz", None),
    ("/v1/txs/{tx_id}", "/v1/txs/zz", None),
    ("/v1/accounts", "/v1/accounts?heigth=1", None),
    ("/v1/validator-sets", "/v1/validator-sets", None),
)


@pytest.mark.parametrize(("template", "url", "setup"), SAMPLE)
def test_a_sample_of_answers_is_declared_with_its_status_and_media_type(
    api: Api, monkeypatch: pytest.MonkeyPatch, template: str, url: str, setup: str | None
) -> None:
    if setup == "busy":
        monkeypatch.setattr(chain, "_ranges_building", threading.Semaphore(0))
    schema = api.client.get("/openapi.json").json()
    answer = api.client.get(url)
    responses = schema["paths"][template]["get"]["responses"]
    status = str(answer.status_code)
    assert status in responses, (url, status, sorted(responses))
    media_type = answer.headers["content-type"].partition(";")[0]
    assert media_type in responses[status].get("content", {}), (url, status, media_type)
    if answer.status_code >= 400 and template not in ("/readyz",):
        declared = responses[status]["content"][media_type]["schema"]
        assert declared == {"$ref": ERROR_SCHEMA_REF}, (url, status)
        assert set(answer.json()["error"]) == {"code", "detail"}
