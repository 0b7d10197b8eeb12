"""The one-section worked examples and their JSON vectors match the code: docs/STATE.md
node.announce (ADR 0023), verification.attest (0026), project.tenure (0027), batch.link
(0028), case.judgment and case.close (0029), credits.transfer_priced (0031),
credits.pledge and its release (0032), reversal.report and insurance.claim (0033), a
sealed-bid auction (0034),
insurance.claim_decide (0035), and
docs/PROTOCOL.md §8.4 lock-violation evidence (ADR 0012)."""

from types import ModuleType

import pytest

from tests.vectors import (
    announcement_example,
    attestation_example,
    auction_example,
    case_lifecycle_example,
    claim_decision_example,
    consideration_example,
    links_example,
    lock_violation_example,
    pledge_example,
    reversal_example,
    tenure_example,
)
from tests.vectors.doc_splice import with_example

GENERATORS = [
    announcement_example,
    auction_example,
    attestation_example,
    auction_example,
    case_lifecycle_example,
    consideration_example,
    links_example,
    lock_violation_example,
    pledge_example,
    tenure_example,
    reversal_example,
    claim_decision_example,
]


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_doc_example_is_current(generator: ModuleType) -> None:
    example = generator.EXAMPLE
    document = example.doc.read_text()
    expected = with_example(document, example.markers, generator.build_section().markdown())
    assert document == expected, f"run: python -m {generator.__name__} --rewrite"


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_json_vector_is_current(generator: ModuleType) -> None:
    example = generator.EXAMPLE
    assert example.vectors.read_text() == example.render_json(generator.build_section().lines)
