"""Short ids as input: `lantan query retirements e6aa99f4` finds the one retirement.

Before, the 16-digit ids the tables print were sent to the node as they were: BAD_ID or
NOT_FOUND. Run as the real `lantan` executable against a fake node over HTTP.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from client.errors import UsageError
from client.id_prefix import IdPrefixError, id_or_prefix, match_prefix
from tests.unit.client.conftest import Network
from tests.unit.client.fake_node import FakeNode

LANTAN = str(Path(sys.executable).parent / "lantan")
FIRST = "e6aa99f42e3a15ba" + "1" * 48
SECOND = "e6aa99f42e3a15bb" + "2" * 48
OTHER = "0123456789abcdef" + "3" * 48


def lantan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LANTAN, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def retirements(fake: FakeNode) -> FakeNode:
    fake.state.apply(
        {
            f"retirement/{rid}": json.dumps({"retirement_id": rid, "quantity_kg": 1}).encode()
            for rid in (FIRST, SECOND, OTHER)
        }
    )
    return fake


def test_a_unique_prefix_reads_the_record(retirements: FakeNode, node_url: str) -> None:
    completed = lantan("query", "retirements", "e6aa99f42e3a15ba", "--node", node_url, "--json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["retirement_id"] == FIRST


def test_a_table_cell_with_its_ellipsis_works(retirements: FakeNode, node_url: str) -> None:
    completed = lantan("query", "retirements", "01234567…", "--node", node_url, "--json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["retirement_id"] == OTHER


def test_an_ambiguous_prefix_names_the_candidates(retirements: FakeNode, node_url: str) -> None:
    completed = lantan("query", "retirements", "e6aa99f42e3a15b", "--node", node_url)
    assert completed.returncode == 1
    assert "ambiguous" in completed.stderr
    assert "e6aa99f42e3a15ba" in completed.stderr and "e6aa99f42e3a15bb" in completed.stderr


def test_receipt_get_resolves_the_prefix_first(
    retirements: FakeNode, node_url: str, tmp_path: Path
) -> None:
    out = str(tmp_path / "r.json")
    completed = lantan("receipt", "get", "ffffffff", "--node", node_url, "--out", out)
    assert completed.returncode == 1
    assert "no retirement id starts with ffffffff" in completed.stderr


def test_receipt_get_refuses_to_overwrite(node_url: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("{}")
    completed = lantan("receipt", "get", FIRST, "--node", node_url, "--out", str(out))
    assert completed.returncode == 2
    assert "--force" in completed.stderr
    assert out.read_text() == "{}"


def test_receipt_get_refuses_to_overwrite_the_pdf_too(
    node_url: str, tmp_path: Path, network: Network
) -> None:
    pdf = tmp_path / "r.pdf"
    pdf.write_text("an earlier PDF")
    completed = lantan("receipt", "get", FIRST, "--node", node_url,
                       "--out", str(tmp_path / "r.json"), "--genesis", str(network.genesis_path),
                       "--pdf", str(pdf))  # fmt: skip
    assert completed.returncode == 2
    assert f"{pdf} exists; choose another --pdf or pass --force" in completed.stderr
    assert pdf.read_text() == "an earlier PDF"
    assert not (tmp_path / "r.json").exists()


def test_receipt_get_refuses_an_unusable_font_before_it_fetches(
    node_url: str, tmp_path: Path, network: Network
) -> None:
    # Stop 55 (the hostile pass): the font failed after the receipt was fetched and
    # written, and the retry without --font was refused as "r.json exists".
    not_a_font = tmp_path / "genesis-copy.json"
    not_a_font.write_bytes(network.genesis_path.read_bytes())
    for font, error in ((tmp_path / "nope.ttf", "no such font file"), (not_a_font, "TrueType")):
        completed = lantan("receipt", "get", FIRST, "--node", node_url,
                           "--out", str(tmp_path / "r.json"), "--genesis",
                           str(network.genesis_path), "--pdf", str(tmp_path / "r.pdf"),
                           "--font", str(font))  # fmt: skip
        assert completed.returncode == 1, completed
        assert error in completed.stderr
        assert not (tmp_path / "r.json").exists() and not (tmp_path / "r.pdf").exists()


def test_prefix_rules() -> None:
    assert id_or_prefix(FIRST, "tx") == (FIRST, False)  # a full id goes to the node as it is
    assert id_or_prefix(FIRST.upper(), "tx") == (FIRST, False)
    assert id_or_prefix("E6AA99F4…", "tx") == ("e6aa99f4", True)
    with pytest.raises(UsageError, match="tx id 'e6aa99' is too short"):
        id_or_prefix("e6aa99", "tx")
    # Not hex, or longer than an id: a mistake, refused before any node is asked.
    for text in ("zzzz", "xiangshan-2023", FIRST + "0", "", "../status"):
        with pytest.raises(UsageError, match="expected 64 hex digits, or a unique prefix"):
            id_or_prefix(text, "retirement")
    with pytest.raises(IdPrefixError, match="no tx id"):
        match_prefix("ffffffff", [FIRST], "tx")
