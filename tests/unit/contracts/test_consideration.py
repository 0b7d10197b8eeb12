"""credits.transfer_priced (ADR 0031): the credits move by credits.transfer's one rule, broker
co-signature included, and `consideration/<tx_id>` records the price and its total in fen
(kg x fen/t / 1000, half a fen up); a total above 10^15 fen is refused."""

from typing import Any

import pytest

from contracts.consideration_records import Consideration, CreditsTransferPricedBody, total_fen
from contracts.state_keys import consideration_key
from contracts.store import load
from genesis.example.parties import ECO_ACCOUNT, party_key
from genesis.example.xiangshan_case import BATCH_ID, TOWNSHIP_ACCOUNT
from protocol.errors import SchemaError
from protocol.hashing import Hash32
from tests.unit.contracts.conftest import run_steps
from tests.vectors.contracts.network import TestChain

TOWNSHIP, NINGBO, XIAMEN = (
    party_key(TOWNSHIP_ACCOUNT),
    party_key("ningbo-ptc"),
    party_key("xiamen-ptc"),
)
AGREEMENT = "8c39cc579334e7446727b4fbddfdc8bcfd2a0fa7e9dc240afbac1efdba621122"


def transfer(quantity_kg: int = 422_500, broker: str | None = "ningbo-ptc") -> dict[str, Any]:
    return {
        "from_account": TOWNSHIP_ACCOUNT,
        "to_account": ECO_ACCOUNT,
        "batch_id": BATCH_ID,
        "quantity_kg": quantity_kg,
        "broker": broker,
    }


def priced(price: int = 10_600, **changes: Any) -> dict[str, Any]:
    body = transfer(**changes)
    return body | {"unit_price_fen_per_t": price, "currency": "CNY", "agreement_hash": AGREEMENT}


def consideration(chain: TestChain, tx_id: Hash32) -> Consideration | None:
    return load(chain.state, consideration_key(tx_id), Consideration.from_json)


def test_total_fen_is_integer_and_rounds_half_a_fen_up() -> None:
    assert total_fen(2_340_100, 10_600) == 24_805_060  # the 2023 auction: 2,340.1 t at 106
    assert total_fen(2_340_100, 3_000) == 7_020_300  # at its 30 yuan/t reserve
    assert total_fen(1, 10_600) == 11  # 10.6 fen
    assert total_fen(1, 500) == 1  # 0.5 fen: half up
    assert total_fen(1, 499) == 0
    assert total_fen(3, 1_500) == 5  # 4.5 fen
    assert total_fen(10**12, 0) == 0


def test_a_brokered_priced_transfer_records_its_consideration() -> None:
    chain = run_steps(TestChain.create(), 5)
    result = chain.submit("credits.transfer_priced", TOWNSHIP, priced(), (NINGBO,))
    assert result.reason is None
    record = consideration(chain, result.tx_id)
    assert record is not None
    assert record.to_json() == priced() | {
        "tx_id": result.tx_id.hex(),
        "total_fen": 4_478_500,  # 422.5 t at 106 yuan/t = 44,785 yuan
        "height": chain.height,
    }


def test_it_moves_exactly_what_an_unpriced_transfer_moves() -> None:
    priced_chain, plain_chain = run_steps(TestChain.create(), 5), run_steps(TestChain.create(), 5)
    done = priced_chain.submit("credits.transfer_priced", TOWNSHIP, priced(), (NINGBO,))
    plain = plain_chain.submit("credits.transfer", TOWNSHIP, transfer(), (NINGBO,))
    assert done.reason is None and plain.reason is None

    def credit_state(chain: TestChain) -> dict[str, bytes]:
        prefixes = ("holding/", "serials/")
        return {k: v for k, v in chain.state.items() if k.startswith(prefixes)}

    assert credit_state(priced_chain) == credit_state(plain_chain)
    assert credit_state(priced_chain) != credit_state(run_steps(TestChain.create(), 5))


@pytest.mark.parametrize(
    ("body", "cosigners", "reason"),
    [
        (priced(), (XIAMEN,), "broker_signature_missing"),
        (priced(), (), "broker_signature_missing"),
        (priced(quantity_kg=450_001, broker=None), (), "insufficient_balance"),
        (priced(price=10**6 + 1, quantity_kg=10**12, broker=None), (), "consideration_too_large"),
    ],
)
def test_refusals(body: dict[str, Any], cosigners: tuple[Any, ...], reason: str) -> None:
    chain = run_steps(TestChain.create(), 5)
    before = {k: v for k, v in chain.state.items() if not k.startswith("nonce/")}
    result = chain.submit("credits.transfer_priced", TOWNSHIP, body, cosigners)
    assert result.reason == reason
    assert consideration(chain, result.tx_id) is None
    after = {k: v for k, v in chain.state.items() if not k.startswith("nonce/")}
    assert after == before


def test_largest_total_is_accepted_at_the_bound() -> None:
    # 10^12 kg at 10^6 fen/t is exactly 10^15 fen: the bound itself passes the total check
    # (and the transfer then refuses the township's 450,000 kg holding).
    chain = run_steps(TestChain.create(), 5)
    body = priced(price=10**6, quantity_kg=10**12, broker=None)
    assert chain.submit("credits.transfer_priced", TOWNSHIP, body).reason == "insufficient_balance"


def test_the_body_takes_only_cny_and_a_price_in_range() -> None:
    assert CreditsTransferPricedBody.from_json(priced()).unit_price_fen_per_t == 10_600
    for bad in ({"currency": "USD"}, {"unit_price_fen_per_t": -1}, {"agreement_hash": "00"}):
        with pytest.raises(SchemaError):
            CreditsTransferPricedBody.from_json(priced() | bad)
    with pytest.raises(SchemaError):
        CreditsTransferPricedBody.from_json(priced(price=10**9 + 1))
    with pytest.raises(SchemaError):
        CreditsTransferPricedBody.from_json(transfer())
