"""client/tx/file.py: tx files round-trip, never clobber by accident, and name bad content."""

import json
from pathlib import Path

import pytest

from client.errors import TxFileError
from client.tx.file import check_signatures, read_tx_file, write_tx_file
from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey
from protocol.tx import SignedTx, UnsignedTx, sign_tx

SENDER = SigningKey(sha256(b"sender"))
COURT = SigningKey(sha256(b"court"))


def unsigned_tx() -> UnsignedTx:
    return UnsignedTx(
        chain_id=Hash32(sha256(b"chain")),
        protocol_version=1,
        type="credits.retire_judicial",
        sender=SENDER.public_key,
        nonce=3,
        expires_at_ms=1_800_000_000_000,
        body={"beneficiary": "象山县蓝碳生态碳账户", "quantity_kg": 422_500},
    )


def test_round_trip_keeps_tx_id_and_signatures(tmp_path: Path) -> None:
    signed = sign_tx(sign_tx(unsigned_tx(), SENDER), COURT)
    path = tmp_path / "tx.json"
    write_tx_file(path, signed, overwrite=False)
    assert read_tx_file(path) == signed
    assert "象山县" in path.read_text(encoding="utf-8"), "Chinese stays readable in the file"


def test_unsigned_file_has_no_signatures(tmp_path: Path) -> None:
    path = tmp_path / "tx.json"
    write_tx_file(path, SignedTx(tx=unsigned_tx(), signatures=()), overwrite=False)
    assert json.loads(path.read_bytes())["signatures"] == []
    assert read_tx_file(path).signatures == ()


def test_build_never_replaces_a_file_without_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "tx.json"
    path.write_text("collected signatures")
    with pytest.raises(TxFileError, match="--force"):
        write_tx_file(path, SignedTx(tx=unsigned_tx(), signatures=()), overwrite=False)
    assert path.read_text() == "collected signatures"
    assert [p.name for p in tmp_path.iterdir()] == ["tx.json"], "no temporary file is left"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{", "not a Lantan tx file"), (b'{"tx": {}}', "signatures"), (b"[]", "object")],
)
def test_bad_files_are_named(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(TxFileError, match=message):
        read_tx_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TxFileError, match="cannot read"):
        read_tx_file(tmp_path / "absent.json")


def test_check_signatures_marks_the_sender_and_invalid_ones() -> None:
    signed = sign_tx(sign_tx(unsigned_tx(), SENDER), COURT)
    checks = {c.public_key_hex: c for c in check_signatures(signed)}
    assert checks[SENDER.public_key.hex()].is_sender
    assert all(c.valid for c in checks.values())
    forged = SignedTx.from_json({**signed.to_json(), "tx": {**signed.tx.to_json(), "nonce": 4}})
    assert not any(c.valid for c in check_signatures(forged))
