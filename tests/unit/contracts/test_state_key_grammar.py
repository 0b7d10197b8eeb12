"""contracts/state_key_grammar.py: every key the contracts make is a state key; strings no
record can be stored under are not."""

import pytest

from contracts import state_keys
from contracts.state_key_grammar import is_state_key
from contracts.state_keys import BYTES_FAMILIES, ID_FAMILIES, STATE_KEY_LENGTH_MAX
from genesis.example.auction_case import run_auction_case
from genesis.example.chain import ExampleChain, run_xiangshan_case

HEX = "ab" * 32


def test_every_key_of_the_worked_cases_is_a_state_key() -> None:
    chain = ExampleChain.create()
    run_xiangshan_case(chain)
    run_auction_case(chain)
    keys = [key for key, _ in chain.state.items()]
    assert len(keys) > 40
    assert [key for key in keys if not is_state_key(key)] == []


def test_every_family_s_key_function_makes_a_state_key() -> None:
    made = [f"{prefix}/huangbiao-2024" for prefix in ID_FAMILIES]
    made += [f"{prefix}/{HEX}" for prefix in BYTES_FAMILIES]
    made += [
        state_keys.serial_block_key("batch-1", 1),
        state_keys.pledged_block_key("batch-1", 2**53 - 1),
        state_keys.escrowed_block_key("batch-1", 7),
        state_keys.holding_key("huangbiao-township", "batch-1"),
        state_keys.auction_bid_key("lot-1", "ningbo-haiyang-dev"),
        state_keys.tenure_claim_key("sea_area_use", "2019B33022500123"),
        state_keys.external_id_key("verra", "VCS-1234.5"),
        state_keys.PARAMS_KEY,
        state_keys.VALIDATORS_CURRENT_KEY,
        state_keys.VALIDATORS_NEXT_KEY,
    ]
    assert len(made) > 30
    assert [key for key in made if not is_state_key(key)] == []


@pytest.mark.parametrize(
    "key",
    [
        "acount/x",  # a typo'd family
        "account/Upper",  # not a slug
        "account/a/b",
        "account/",
        "key/" + "AB" * 32,  # hex is lowercase
        "key/abcd",
        "serials/batch-1/1",  # serials are 16 digits
        "holding/a",
        "tenure/sea_area_use/lower",
        "params/x",
        "validators/previous",
        "hello world",
        "institution/" + "n" * (STATE_KEY_LENGTH_MAX - len("institution/")),
    ],
)
def test_a_string_of_no_family_s_shape_is_not_a_state_key(key: str) -> None:
    assert not is_state_key(key)
