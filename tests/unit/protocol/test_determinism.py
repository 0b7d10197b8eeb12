"""Canonical bytes and hashes do not depend on the process: two hash seeds, one answer.

Each subprocess builds its dicts by iterating a set of keys, whose order follows the string
hash seed, so the two processes insert keys in different orders (checked below); the
canonical bytes and their hashes must still agree to the bit.
"""

import os
import sys
from pathlib import Path

from tests.kit.processes import json_output_of

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r"""
import json
from protocol.encoding import encode
from protocol.hashing import TAG_TX, sha256, tagged_hash

keys = {"amount_kg", "serial_start", "serial_end", "𠮷", "，", "€", "\r", "\ufb33",
        "\U0001f600", "\u0080", "ö", "z", "A", "a", "10", "9", ""}
insertion_order = list(keys)  # set order: follows PYTHONHASHSEED
inner = {key: index for index, key in enumerate(sorted(keys))}
values = [
    {key: inner[key] for key in insertion_order},
    {key: {k: [inner[k], k, None, True] for k in insertion_order} for key in insertion_order},
    [{key: key for key in reversed(insertion_order)}, {"b": 1, "a": 2}, {"a": 2, "b": 1}],
    {"nested": {"deeper": {key: [] for key in insertion_order}}, "text": "象山 蓝碳\n"},
]
encodings = [encode(value) for value in values]
print(json.dumps({
    "insertion_order": insertion_order,
    "encodings": [e.hex() for e in encodings],
    "sha256": [sha256(e).hex() for e in encodings],
    "tagged": [tagged_hash(TAG_TX, e).hex() for e in encodings],
}))
"""


def run_with_hash_seed(seed: str) -> dict[str, list[str]]:
    environment = dict(os.environ, PYTHONHASHSEED=seed)
    command = [sys.executable, "-c", SCRIPT]
    result: dict[str, list[str]] = json_output_of(command, cwd=ROOT, env=environment, timeout_s=60)
    return result


def test_encoding_and_hashes_are_identical_across_hash_seeds() -> None:
    first, second = run_with_hash_seed("1"), run_with_hash_seed("2")
    # The precondition that makes this test able to fail: the insertion orders differ.
    assert first["insertion_order"] != second["insertion_order"]
    assert sorted(first["insertion_order"]) == sorted(second["insertion_order"])
    assert first["encodings"] == second["encodings"]
    assert first["sha256"] == second["sha256"]
    assert first["tagged"] == second["tagged"]
    # Within one process, {"b":1,"a":2} and {"a":2,"b":1} encode alike.
    assert bytes.fromhex(first["encodings"][2]).endswith(b'{"a":2,"b":1},{"a":2,"b":1}]')
