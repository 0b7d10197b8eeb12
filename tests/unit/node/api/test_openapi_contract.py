"""/openapi.json says what the node does (stop 57's integrator findings): the bounds of its
parameters as JSON Schema reads them."""

from collections.abc import Iterator
from typing import Any

from node.api.pagination import PAGE_LIMIT_MAX
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
