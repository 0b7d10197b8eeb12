"""What `lantan verify receipt` says of a file that is not a receipt: the field that is
missing, or where the JSON ends, in words a clerk can pass on (not a Python KeyError's
bare key, not "starting at at offset")."""

import json
import subprocess
from pathlib import Path

import pytest

from client.receipt.codes import ReceiptCode, ReceiptError
from client.receipt.verify import verify_receipt
from tests.kit.lantan_cli import run_lantan

GENESIS = (Path(__file__).parents[1] / "vectors" / "receipt-v1-genesis.json").read_bytes()
RECEIPT = (Path(__file__).parents[1] / "vectors" / "receipt-v1.json").read_bytes()


def malformed(receipt: bytes) -> str:
    with pytest.raises(ReceiptError) as raised:
        verify_receipt(receipt, GENESIS)
    assert raised.value.code is ReceiptCode.MALFORMED
    return raised.value.detail


def test_an_object_without_a_version_names_the_missing_field() -> None:
    assert malformed(b"{}") == "missing field 'receipt_version'"


def test_the_genesis_file_given_as_the_receipt_names_the_missing_field() -> None:
    assert malformed(GENESIS) == "missing field 'receipt_version'"


def test_lantan_verify_receipt_says_a_genesis_file_is_one(tmp_path: Path) -> None:
    """`lantan verify receipt genesis.json --genesis genesis.json` said `INVALID: MALFORMED:
    missing field 'receipt_version'` (h57 F13); a PDF was already named as one."""
    (tmp_path / "genesis.json").write_bytes(GENESIS)
    genesis = str(tmp_path / "genesis.json")
    commands: tuple[tuple[str, ...], ...] = (
        ("verify", "receipt", genesis, "--genesis", genesis),
        ("receipt", "pdf", genesis, "--genesis", genesis, "--out", str(tmp_path / "r.pdf")),
    )
    for command in commands:
        done = run_lantan(*command)
        assert done.returncode == 2, done
        (line,) = done.stderr.splitlines()
        assert f"{genesis} is a genesis file, not a receipt; give it as --genesis" in line


def test_a_truncated_receipt_says_where_its_json_ends() -> None:
    detail = malformed(RECEIPT[: len(RECEIPT) // 2])
    assert detail.startswith("malformed JSON: ") and ": line 1 column " in detail, detail
    assert "at at" not in detail


def verify_cli(
    tmp_path: Path, receipt: bytes, genesis: bytes, *extra: str
) -> subprocess.CompletedProcess[str]:
    """`lantan verify receipt` of these bytes, written to files under tmp_path."""
    (tmp_path / "receipt.json").write_bytes(receipt)
    (tmp_path / "genesis.json").write_bytes(genesis)
    argv = ["verify", "receipt", str(tmp_path / "receipt.json")]
    return run_lantan(*argv, "--genesis", tmp_path / "genesis.json", *extra)


def test_another_networks_genesis_file_is_named_as_the_likely_cause(tmp_path: Path) -> None:
    document = json.loads(GENESIS)
    document["chain_name"] = document["chain_name"] + "-another"
    other = json.dumps(document).encode()
    done = verify_cli(tmp_path, RECEIPT, other)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("INVALID: WRONG_CHAIN: ")
    assert lines[1].startswith("The receipt was not made on the network this genesis file")
    done = verify_cli(tmp_path, RECEIPT, other, "--json")
    assert done.returncode == 1
    answer = json.loads(done.stdout)
    assert answer["code"] == "WRONG_CHAIN" and answer["hint"] == lines[1]


def test_an_altered_record_is_said_plainly_after_its_code(tmp_path: Path) -> None:
    receipt = json.loads(RECEIPT)
    entry = next(e for e in receipt["state"] if e["key"].startswith("retirement/"))
    entry["value"]["quantity_kg"] = 1
    done = verify_cli(tmp_path, json.dumps(receipt).encode(), GENESIS)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("INVALID: BAD_STATE_PROOF: ")
    assert lines[1].startswith("This receipt does not match what the registry's validators")
    assert "altered after it was issued, or damaged" in lines[1]


def test_a_proof_hash_spelled_with_other_trailing_bits_is_said_as_not_canonical() -> None:
    # The same 32 bytes, other padding bits: "not 32 bytes" read as a length bug to the JS
    # auditor comparing implementations (stop 56); a note's lines already said this.
    receipt = json.loads((Path(__file__).parents[1] / "vectors" / "receipt-v4.json").read_bytes())
    line = "v2YR+RI18SOdEU4juxiyH9QfAgk83Gk31cQu3kljkFE="
    assert line in receipt["history_proof"]
    receipt["history_proof"] = receipt["history_proof"].replace(line, line[:-2] + "F=")
    with pytest.raises(ReceiptError) as raised:
        verify_receipt(json.dumps(receipt).encode(), GENESIS)
    assert raised.value.code is ReceiptCode.BAD_CHECKPOINT
    assert raised.value.detail == "tlog-proof hash is not canonical base64"


def test_a_receipt_re_saved_with_a_byte_order_mark_says_so_in_words(tmp_path: Path) -> None:
    """Notepad's "UTF-8" adds a byte-order mark: the message was Python's hint to a
    programmer ("Unexpected UTF-8 BOM (decode using utf-8-sig)"). Still MALFORMED (PROTOCOL.md
    §14.1), now in words, and in the same words as the checker (stop 57)."""
    expected = (
        "the file starts with a byte-order mark: it was re-saved by an editor;"
        " use the original file"
    )
    assert malformed(b"\xef\xbb\xbf" + RECEIPT) == expected
    verify_js = Path(__file__).parents[2] / "node" / "web" / "static" / "verify.js"
    assert f'var BOM_DETAIL = "{expected}";' in verify_js.read_text(encoding="utf-8")
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + RECEIPT)
    genesis = tmp_path / "genesis.json"
    genesis.write_bytes(GENESIS)
    done = run_lantan("verify", "receipt", path, "--genesis", genesis)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == f"INVALID: MALFORMED: {expected}"
