"""Drafts of credits.transfer_priced (ADR 0031) for the contracts property test, mixed into
tests/vectors/contracts/tx_generators.py's TxGenerator.

A priced draft is a credits.transfer draft (its mistakes included) with a price: 0, the
2023 auction's 30 and 106 yuan/t, or any price in range, so totals that round are common.
A mistake sometimes asks for a total above 10^15 fen (consideration_too_large).
"""

import random

from tests.vectors.contracts.drafts import Draft

PRICES_FEN_PER_T = (0, 3_000, 10_600)


class ConsiderationDrafts:
    def _credits_transfer(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def _credits_transfer_priced(self, rng: random.Random, mistake: bool) -> Draft:
        draft = self._credits_transfer(rng, mistake)
        if draft.tx_type != "credits.transfer":  # nothing to transfer yet: issue instead
            return draft
        price = rng.choice([*PRICES_FEN_PER_T, rng.randint(1, 10**9)])
        body = draft.body | {
            "unit_price_fen_per_t": price,
            "currency": "CNY",
            "agreement_hash": bytes([rng.randrange(256)] * 32).hex(),
        }
        if mistake and rng.randrange(4) == 0:
            body |= {"quantity_kg": 10**12, "unit_price_fen_per_t": 10**9}
        return Draft("credits.transfer_priced", draft.sender, draft.cosigners, body)
