"""One drafted tx of the contracts property test (tests/vectors/contracts/tx_generators.py)."""

from dataclasses import dataclass
from typing import Any

from protocol.signing import SigningKey


@dataclass(frozen=True)
class Draft:
    tx_type: str
    sender: SigningKey
    cosigners: tuple[SigningKey, ...]
    body: dict[str, Any]
