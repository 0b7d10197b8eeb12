"""/openapi.json as the node answers: what FastAPI's generator assumes, corrected in one place.

FastAPI declares 422 with its HTTPValidationError shape on every operation that validates
input, but the node answers every validation failure 400 with ErrorResponse (errors.py), so
a generated client parsed `{"detail": [...]}` that never came. And an operation's errors
were declared in the media type of its success answer (text/plain on the checkpoint routes),
while every error is JSON. Routes declare only their own statuses (404, 409, ...).
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA_REF = "#/components/schemas/ErrorResponse"
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}}
INVALID_INPUT: dict[str, Any] = {
    "description": (
        "Invalid input: BAD_REQUEST (a parameter malformed, out of its bounds, unknown or "
        "given twice) or the route's own code (BAD_ID, BAD_KEY, BAD_RANGE, ...)"
    ),
    "content": _ERROR_CONTENT,
}
STORE_DAMAGED: dict[str, Any] = {
    "description": (
        "STORE_DAMAGED: the answer is in a part of this node's store LevelDB reports "
        "damaged; ask another node"
    ),
    "content": _ERROR_CONTENT,
}
_FRAMEWORK_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI) -> None:
    """app.openapi builds FastAPI's document once, corrected by node_schema."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = node_schema(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def node_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """schema with 400 ErrorResponse where FastAPI put 422, every ErrorResponse declared as
    application/json, and the /v1 routes' 503 STORE_DAMAGED (errors.py) declared."""
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses: dict[str, Any] = operation["responses"]
            if responses.pop("422", None) is not None:
                responses["400"] = INVALID_INPUT
            for response in responses.values():
                if _is_error(response):
                    response["content"] = _ERROR_CONTENT
            if path.startswith("/v1/"):
                responses.setdefault("503", STORE_DAMAGED)
    components = schema.get("components", {}).get("schemas", {})
    for name in _FRAMEWORK_SCHEMAS:
        components.pop(name, None)
    return schema


def _is_error(response: dict[str, Any]) -> bool:
    return any(
        media.get("schema", {}).get("$ref") == ERROR_SCHEMA_REF
        for media in response.get("content", {}).values()
    )
