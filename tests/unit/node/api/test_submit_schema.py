"""/openapi.json's POST /v1/txs: the request body a conforming JSON Schema validator (and a
client generator) reads, and the 429 a batch gets.

Stop 57's API integrator: the body was `oneOf` an untyped object and a batch object, so
every batch matched both and failed `oneOf`; a signed tx's shape was not described, `txs`
had no `minItems` though `{"txs": []}` is 400, and 429 declared neither the batch's
results nor Retry-After.
"""

from typing import Any

import jsonschema_rs

from tests.unit.node.api.kit import Api
from tests.unit.node.chain_kit import account_open


def operation(api: Api) -> Any:
    return api.client.get("/openapi.json").json()["paths"]["/v1/txs"]["post"]


def test_a_signed_tx_and_a_batch_are_valid_bodies_and_junk_is_not(api: Api) -> None:
    schema = operation(api)["requestBody"]["content"]["application/json"]["schema"]
    body = jsonschema_rs.Draft202012Validator(schema)
    tx = account_open(1).to_json()
    assert body.is_valid(tx)
    assert body.is_valid({"txs": [tx, account_open(2).to_json()]})
    junks: tuple[dict[str, Any], ...] = (
        {},
        {"txs": []},  # 400 BAD_BATCH
        {"tx": tx["tx"]},  # no signatures
        {**tx, "signatures": []},
        {"tx": tx["tx"], "signatures": tx["signatures"], "extra": 1},
        {"txs": [tx], "extra": 1},
        {"txs": [{"tx": 1}]},
    )
    for junk in junks:
        assert not body.is_valid(junk), junk


def test_429_declares_the_batch_results_and_retry_after(api: Api) -> None:
    responses = operation(api)["responses"]
    for status in ("429", "503"):
        header = responses[status]["headers"]["Retry-After"]
        assert header["schema"] == {"type": "integer"}
    shapes = responses["429"]["content"]["application/json"]["schema"]["anyOf"]
    assert {shape["$ref"].rsplit("/", 1)[1] for shape in shapes} == {
        "ErrorResponse",
        "BatchSubmitResponse",
    }
