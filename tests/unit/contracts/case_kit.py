"""Bodies of case.judgment and case.close (ADR 0029) for the contract unit tests."""

from typing import Any

from genesis.example.xiangshan_case import CASE_ID


def judgment_body(**changes: Any) -> dict[str, Any]:
    """The Xiangshan case's judgment: 122,366 yuan, at the Huangbi'ao sea area."""
    body: dict[str, Any] = {
        "case_id": CASE_ID,
        "judgment_hash": "11" * 32,
        "judgment_date": "2023-09-15",
        "compensation_fen": 12_236_600,
        "harm_site": "象山县黄避岙乡海域",
        "ecosystem": "mariculture",
    }
    return body | changes


def close_body(outcome: str = "satisfied", **changes: Any) -> dict[str, Any]:
    return {"case_id": CASE_ID, "outcome": outcome, "document_hash": "22" * 32} | changes
