"""docs/PROTOCOL.md §15.1 (submitting a tx) and §15.2 (error codes) against the code: an
integrator in another language switches on these codes and reads these fields, so a code,
reason, status or field added to the node without its line there fails here."""

import ast
import importlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from contracts.reasons import COSIGNATURE_MISSING, AdmissionReason
from node.api.routes.txs import BATCH_TXS_MAX
from node.api.schemas import NonceResponse, SubmitResult, TxStatusResponse
from node.tx_outcomes import ADMISSION_BUSY, BUSY_REASONS, REMEMBERED_MAX, WAIT_MS_MAX, TxState

ROOT = Path(__file__).parents[4]
PROTOCOL = ROOT / "docs" / "PROTOCOL.md"
ERROR_SOURCES = ("node/api", "node/http_server.py", "node/proofs.py")
"""Where the node words an HTTP error (node/api/errors.py error_body and its callers)."""
CODE_ARGUMENT = {"ApiError": 1, "error_body": 0, "_refuse": 2, "ProofUnavailableError": 0}
"""The callables that take an error code, and which positional argument it is."""
UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9_]*")


def section(title: str) -> str:
    """A "### " section of PROTOCOL.md, up to the next heading."""
    text = PROTOCOL.read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    end = re.compile(r"\n#{2,3} ").search(text, start + 1)
    return text[start : end.start() if end else len(text)]


def first_column_codes(text: str, header: str) -> set[str]:
    """The backticked words in the first column of the table whose header row is header."""
    lines = text[text.index(header) :].splitlines()[2:]
    rows = lines[: next(i for i, line in enumerate(lines) if not line.strip())]
    return {code for row in rows for code in re.findall(r"`([^`]+)`", row.split(" | ")[0])}


def sources() -> Iterator[Path]:
    for name in ERROR_SOURCES:
        path = ROOT / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def codes_sent() -> set[str]:
    """Every constant error code the node's HTTP error paths can send."""
    codes: set[str] = set()
    for path in sources():
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (argument := _code_argument(node)) is not None:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    codes.add(argument.value)
                elif isinstance(argument, ast.Name) and hasattr(module, argument.id):
                    codes.add(getattr(module, argument.id))  # a constant, not a local
            elif isinstance(node, ast.Call) and _is_status_code_table(node.func):
                # {404: "NOT_FOUND", ...}.get(status, "HTTP_ERROR") (errors.py)
                codes.add(_text(node.args[1]))
            if isinstance(node, ast.Dict) and _is_status_code_table(node):
                codes.update(_text(value) for value in node.values)
    return codes


def _code_argument(call: ast.Call) -> ast.expr | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    index = CODE_ARGUMENT.get(name or "")
    return None if index is None or len(call.args) <= index else call.args[index]


def _text(node: ast.expr) -> str:
    assert isinstance(node, ast.Constant) and isinstance(node.value, str), ast.dump(node)
    return node.value


def _is_status_code_table(node: ast.expr) -> bool:
    """A dict literal from HTTP statuses to codes, or a .get on one (not a route's
    `responses=`, whose values are dicts)."""
    if isinstance(node, ast.Attribute) and node.attr == "get":
        node = node.value
    return (
        isinstance(node, ast.Dict)
        and bool(node.keys)
        and all(isinstance(k, ast.Constant) and isinstance(k.value, int) for k in node.keys)
        and all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values)
    )


def test_every_http_layer_code_the_node_sends_is_in_the_table_and_no_other() -> None:
    sent = codes_sent()
    http_layer = {code for code in sent if UPPER_SNAKE.fullmatch(code)}
    assert {"BAD_REQUEST", "NOT_FOUND", "BAD_TX_ID", "BAD_ID", "TOO_COMPLEX"} <= http_layer
    documented = first_column_codes(section("15.2 Error codes"), "| code | status | when |")
    assert sorted(http_layer - documented) == []
    assert sorted(documented - http_layer) == []
    # The only lower_snake code sent outside admission is admission's own busy refusal.
    assert sent - http_layer == {ADMISSION_BUSY}


def test_every_admission_reason_is_in_the_submission_sections_list_and_no_other() -> None:
    reasons = {reason.value for reason in AdmissionReason}
    reasons |= {reason.value for reason in COSIGNATURE_MISSING}
    reasons |= BUSY_REASONS | {ADMISSION_BUSY}
    documented = first_column_codes(section("15.1 Submitting a transaction"), "| reason | the tx |")
    assert sorted(reasons - documented) == []
    assert sorted(documented - reasons) == []


def shape(fields: Iterable[str]) -> str:
    """A JSON object's members as PROTOCOL.md writes them: {"a", "b"}."""
    return "{" + ", ".join(f'"{name}"' for name in fields) + "}"


def test_the_submission_section_names_the_answers_fields_bounds_and_statuses() -> None:
    text = " ".join(section("15.1 Submitting a transaction").split())
    for model in (SubmitResult, TxStatusResponse, NonceResponse):
        assert shape(model.model_fields) in text, model.__name__
    for state in TxState:
        assert f"| `{state.value}` |" in text, state
    assert f"1 to {BATCH_TXS_MAX} txs" in text
    assert f"0 to {WAIT_MS_MAX}" in text
    assert f"{REMEMBERED_MAX:,}" in text
    assert "Every route is `GET`" not in PROTOCOL.read_text(encoding="utf-8")
