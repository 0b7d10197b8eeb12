"""The genesis state as docs/PROTOCOL.md §5 states it, built from the genesis file's JSON
alone (no codec, no contract), equals the state the node commits to at height 0: an
auditor who follows the text gets the genesis header's state_root."""

import json
from pathlib import Path

import pytest

from contracts.state_tree import state_root_of
from genesis.document import GenesisDocument, build_genesis, parse_genesis
from protocol.encoding import encode
from tests.unit.node.chain_kit import make_document

VECTOR_GENESIS = Path(__file__).parents[2] / "vectors" / "receipt-v1-genesis.json"


def state_by_the_text(document: dict[str, object]) -> dict[str, bytes]:
    """PROTOCOL.md §5 "The genesis header", written from the text."""
    institutions = document["institutions"]
    accounts = document["accounts"]
    assert isinstance(institutions, list) and isinstance(accounts, list)
    records: dict[str, object] = {"params": document["params"]}
    for institution in institutions:
        records[f"institution/{institution['institution_id']}"] = institution
        for key in institution["public_keys"]:
            records[f"key/{key}"] = {
                "institution_id": institution["institution_id"],
                "public_key": key,
            }
    holders: dict[str, list[str]] = {}
    for account in accounts:
        records[f"account/{account['account_id']}"] = account
        holders.setdefault(account["holder_key"], []).append(account["account_id"])
    for holder, ids in holders.items():
        records[f"holder/{holder}"] = {"account_ids": sorted(ids), "public_key": holder}
    records["validators/current"] = document["validators"]
    records["validators/next"] = document["validators"]
    return {key: encode(value) for key, value in records.items()}


def _shared_holder() -> GenesisDocument:
    """The vector genesis plus two accounts of the same holder key, listed out of order:
    one holder record lists all three, sorted."""
    document = json.loads(VECTOR_GENESIS.read_bytes())
    (account,) = document["accounts"]
    document["accounts"] += [
        account | {"account_id": "zz-second-account", "kind": "enterprise"},
        account | {"account_id": "aa-third-account", "kind": "enterprise"},
    ]
    return parse_genesis(json.dumps(document).encode())


def _documents() -> list[GenesisDocument]:
    return [parse_genesis(VECTOR_GENESIS.read_bytes()), make_document(), _shared_holder()]


@pytest.mark.parametrize(
    "document", _documents(), ids=["receipt-v1-genesis", "chain_kit", "shared-holder"]
)
def test_the_genesis_state_follows_from_the_text(document: GenesisDocument) -> None:
    genesis = build_genesis(document)
    by_text = state_by_the_text(json.loads(document.canonical_bytes()))
    assert by_text == genesis.state
    assert state_root_of(by_text) == genesis.header.state_root


def test_a_holder_of_several_genesis_accounts_lists_them_sorted() -> None:
    state = build_genesis(_shared_holder()).state
    holders = [json.loads(value) for key, value in state.items() if key.startswith("holder/")]
    assert [holder["account_ids"] for holder in holders] == [
        ["aa-third-account", "xiangshan-eco-account", "zz-second-account"]
    ]
