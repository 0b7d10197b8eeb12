"""Generated requests for every operation of a node's OpenAPI schema (hypothesis only).

Beside schemathesis (test_public_and_peer_api.py runs both): for each operation it draws
path and query parameters from the parameter schemas (in range and out of range) and, for
request bodies, arbitrary JSON or bytes, and records every 5xx answer. /readyz may answer
503 by design (not ready), so only its other 5xx count.
"""

import json
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

READYZ = "/readyz"
TRICKY = ("²", "١٢", "𝟙", "-1", "0x10", "1e3", " 1", "1_000", "9" * 40, "%", "..%2f", "\u0000")
"""Strings that look numeric to str.isdigit() or int() but are not, and other edge cases."""


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    last: str = ""


def capped_schema(schema: dict[str, Any], wait_ms_max: int) -> dict[str, Any]:
    """The schema with every wait_ms parameter's maximum lowered to wait_ms_max."""
    capped: dict[str, Any] = json.loads(json.dumps(schema))
    for operations in capped["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "wait_ms":
                    parameter["schema"]["maximum"] = wait_ms_max
    return capped


def fuzz_every_operation(base_url: str, *, examples: int, wait_ms_max: int) -> FuzzReport:
    report = FuzzReport()
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        raw = client.get("/openapi.json").json()
        schema = capped_schema(raw, wait_ms_max)
        for path, operations in sorted(schema["paths"].items()):
            for method, operation in sorted(operations.items()):
                report.operations += 1
                _fuzz(
                    client, report, path=path, method=method, operation=operation, examples=examples
                )
    return report


def _fuzz(
    client: httpx.Client,
    report: FuzzReport,
    *,
    path: str,
    method: str,
    operation: dict[str, Any],
    examples: int,
) -> None:
    parameters = operation.get("parameters", [])
    draws = {p["name"]: _parameter_strategy(p) for p in parameters}
    body = _body_strategy() if "requestBody" in operation else st.just(None)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(values=st.fixed_dictionaries(draws), content=body)
    def run(values: dict[str, Any], content: bytes | None) -> None:
        url = path
        query = {}
        for parameter in parameters:
            value = values[parameter["name"]]
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", quote(str(value), safe=""))
            elif value is not None:
                query[parameter["name"]] = str(value)
        headers = {"content-type": "application/json"}
        try:
            response = client.request(
                method.upper(), url, params=query, content=content, headers=headers
            )
        except httpx.TransportError as error:
            # The server dropped the connection: count it against the request before it.
            report.server_errors.append(f"{error!r} on {method} {url} after {report.last}")
            return
        report.last = f"{method.upper()} {url} {query}"
        report.requests += 1
        allowed = path == READYZ and response.status_code == 503
        if response.status_code >= 500 and not allowed:
            report.server_errors.append(
                f"{method.upper()} {url} {query} -> {response.status_code} {response.text[:120]}"
            )

    run()


def _parameter_strategy(parameter: dict[str, Any]) -> st.SearchStrategy[Any]:
    schema = parameter["schema"]
    kinds = [s.get("type") for s in schema.get("anyOf", [schema])]
    tricky = st.sampled_from(TRICKY)
    hex_text = st.text(alphabet=string.hexdigits, max_size=80)
    if "integer" in kinds:
        in_range = st.integers(schema.get("minimum"), schema.get("maximum"))
        drawn = st.one_of(in_range, st.integers(), tricky, st.text())
    else:
        drawn = st.one_of(st.text(), hex_text, tricky, st.integers())
    if parameter["in"] == "path":
        return drawn.filter(lambda v: str(v) not in ("", ".", ".."))
    return st.one_of(st.none(), drawn)


def _body_strategy() -> st.SearchStrategy[bytes]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()
    )
    values = st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=12,
    )
    shaped = st.fixed_dictionaries(
        {"tx": st.dictionaries(st.sampled_from(["nonce", "body", "type", "sender"]), values)},
        optional={"signatures": st.lists(values, max_size=3)},
    )
    as_json = st.one_of(
        values, shaped, st.fixed_dictionaries({"txs": st.lists(values, max_size=5)})
    )
    return st.one_of(as_json.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200))
