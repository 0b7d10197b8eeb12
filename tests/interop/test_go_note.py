"""Go's golang.org/x/mod/sumdb/note opens a witnessed checkpoint (issue 16 acceptance).

A checkpoint of a chain whose genesis names witnesses, with the validators' lines and two
cosignature lines: Go's note.Open, given the validators' verifier keys, verifies the
validator lines and lists the cosignature lines as unverified (unknown keys), without
rejecting the note. The Go program is tests/interop/gonote; it builds offline against
Debian's golang-golang-x-mod-dev (scripts/system-deps). Skipped, with the reason, where
either is missing.
"""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.interop.go_build import build_go, go_marks
from tests.receipts.chain import ReceiptChain

SOURCE = Path(__file__).parent / "gonote"
WITNESSES = ("xiangshan-court-witness", "zhejiang-auditor-witness")

pytestmark = go_marks("sumdb/note")


@pytest.fixture(scope="module")
def gonote(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_go(SOURCE, tmp_path_factory.mktemp("gonote"))


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiptChain]:
    built = ReceiptChain(
        tmp_path_factory.mktemp("go-chain"), chain_name="lantan-go-interop", witnesses=WITNESSES
    )
    try:
        built.commit()
        built.commit()
        yield built
    finally:
        built.close()


def go_open(gonote: Path, note: str, verifier_keys: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(gonote), *verifier_keys],
        input=note,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_go_verifies_validator_lines_and_ignores_cosignatures(
    gonote: Path, chain: ReceiptChain
) -> None:
    size = chain.ledger.height + 1
    note = chain.cosign(size, *WITNESSES)
    validators = chain.genesis.document.validators.validators
    opened = go_open(gonote, note, [v.note_verifier_key for v in validators])
    assert opened.returncode == 0, opened.stdout + opened.stderr
    result = json.loads(opened.stdout)
    assert sorted(result["verified"]) == sorted(v.name for v in validators)
    assert sorted(result["unverified"]) == sorted(WITNESSES)
    assert result["text"] == note.split("\n\n")[0] + "\n"


def test_go_rejects_a_tampered_validator_line(gonote: Path, chain: ReceiptChain) -> None:
    """The program can fail: a validator line over another size does not verify."""
    size = chain.ledger.height + 1
    forged = chain.cosign(size, *WITNESSES).replace(f"\n{size}\n", f"\n{size + 1}\n", 1)
    validators = chain.genesis.document.validators.validators
    opened = go_open(gonote, forged, [v.note_verifier_key for v in validators])
    assert opened.returncode == 1 and "invalid signature" in opened.stdout
