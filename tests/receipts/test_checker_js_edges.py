"""Edges PROTOCOL.md decides that an outside verifier (Java, from the document alone) found
the checker page's verifier (node/web/static/verify.js) deciding otherwise (stop 48; each
fixed there: key names' whitespace set, the 100 signature lines, the 64-deep nesting, the
128-hash proofs).

Each case is the format-4 vector receipt (tests/vectors/receipt-v4.json) with one change,
and the code the document gives it. client/receipt/verify.py gives every one that code
(the first test); the checker must too (the second, run under Node.js).
"""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from protocol.encoding import encode
from protocol.hashing import sha256
from tests.receipts.tamper import python_code
from tests.receipts.test_witness_checker_js import NODE, run_js

VECTORS = Path(__file__).parents[2] / "tests" / "vectors"
RECEIPT: dict[str, Any] = json.loads((VECTORS / "receipt-v4.json").read_bytes())
GENESIS = (VECTORS / "receipt-v1-genesis.json").read_bytes()
HISTORY: str = RECEIPT["history_proof"]


def _line(name: str, body_bytes: int) -> str:
    """A signature line of a key no verifier knows: ignored when well formed (§10)."""
    return f"\u2014 {name} {base64.b64encode(bytes(body_bytes)).decode()}\n"


def _with(path: tuple[str, ...], value: Any) -> bytes:
    receipt = json.loads(json.dumps(RECEIPT))
    target = receipt
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return encode(receipt)


def _note_lines(count: int) -> str:
    present = HISTORY.count("\n\u2014 ")
    return HISTORY + "".join(_line(f"stranger{k}", 20) for k in range(present, count))


def _nested_body(arrays: int) -> bytes:
    """A body member `arrays` arrays deep: its innermost value lies inside 5 + arrays
    arrays and objects (receipt, tx, signed_tx, tx, body; §1 allows 64)."""
    body = dict(RECEIPT["tx"]["signed_tx"]["tx"]["body"], deep=0)
    text = _with(("tx", "signed_tx", "tx", "body"), body).decode()
    assert text.count('"deep":0') == 1
    return text.replace('"deep":0', '"deep":' + "[" * arrays + "1" + "]" * arrays).encode()


def _proof_hashes(count: int) -> bytes:
    proof = dict(RECEIPT["tx"]["tx_proof"], hashes=["00" * 32] * count)
    return _with(("tx", "tx_proof"), proof)


def _history_of(code_points: int) -> bytes:
    """history_proof padded by one unknown line of three-byte names to `code_points`."""
    room = code_points - len(HISTORY) - len(_line("", 20))
    return _with(("history_proof",), HISTORY + _line("\u84dd" * room, 20))


def _genesis_with_name(name: str) -> bytes:
    genesis = json.loads(GENESIS)
    first = genesis["validators"]["validators"][0]
    first["name"] = name
    key = bytes.fromhex(first["public_key"])
    # §10's verifier key, spelled out: protocol/note.py refuses to build one for a bad name
    key_id = sha256(name.encode() + b"\n\x01" + key)[:4].hex()
    typed_key = base64.b64encode(b"\x01" + key).decode()
    first["note_verifier_key"] = f"{name}+{key_id}+{typed_key}"
    return encode(genesis)


CASES = [
    ("note line named with U+0085", _with(("history_proof",), HISTORY + _line("a\u0085b", 20)),
     "BAD_CHECKPOINT"),
    ("note line named with U+FEFF", _with(("history_proof",), HISTORY + _line("a\ufeffb", 20)),
     ""),
    ("note line named with U+0001", _with(("history_proof",), HISTORY + _line("a\u0001b", 20)),
     "BAD_CHECKPOINT"),
    ("note of 100 signature lines", _with(("history_proof",), _note_lines(100)), ""),
    ("note of 101 signature lines", _with(("history_proof",), _note_lines(101)),
     "BAD_CHECKPOINT"),
    ("body member 59 arrays deep", _nested_body(59), "WRONG_RETIREMENT"),
    ("body member 60 arrays deep", _nested_body(60),
     "MALFORMED"),
    ("tx_proof of 128 hashes", _proof_hashes(128), "BAD_TX_PROOF"),
    ("tx_proof of 129 hashes", _proof_hashes(129),
     "MALFORMED"),
    ("history_proof of 2^20 code points", _history_of(1 << 20), ""),
    ("history_proof of 2^20 + 1 code points", _history_of((1 << 20) + 1), "MALFORMED"),
]  # fmt: skip
GENESIS_CASES = [
    ("validator named with U+0085", _genesis_with_name("a\u0085b"), "BAD_GENESIS"),
    ("validator named with U+0001", _genesis_with_name("a\u0001b"), "BAD_GENESIS"),
    ("validator named with U+FEFF", _genesis_with_name("a\ufeffb"), "WRONG_CHAIN"),
]  # fmt: skip


def test_python_verifier_gives_the_documented_codes() -> None:
    """The reference: every case gets the code PROTOCOL.md gives it (the history_proof
    bound counts code points, so 2^20 of them verify though they take over 3 MiB)."""
    got = {name: python_code(receipt, GENESIS) for name, receipt, _ in CASES}
    got |= {name: python_code(encode(RECEIPT), genesis) for name, genesis, _ in GENESIS_CASES}
    want = {name: code for name, _, code in CASES + GENESIS_CASES}
    assert got == want
    assert len(_history_of(1 << 20)) > 3 << 20


def _params(cases: list[tuple[str, bytes, str]]) -> list[Any]:
    return [pytest.param(r, code, id=name) for name, r, code in cases]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs)")
@pytest.mark.parametrize(("receipt", "code"), _params(CASES))
def test_checker_gives_the_documented_code(receipt: bytes, code: str) -> None:
    files = {"case": base64.b64encode(receipt).decode()}
    assert run_js(GENESIS, {}, files=files) == {"case": code}


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed (apt-get install nodejs)")
@pytest.mark.parametrize(("genesis", "code"), _params(GENESIS_CASES))
def test_checker_reads_genesis_names_as_documented(genesis: bytes, code: str) -> None:
    answer = run_js(genesis, {"case": encode(RECEIPT)})
    assert answer.get("case", answer.get("genesis")) == code
