"""/peer/evidence (node/api/routes/peer.py, node/peering.py): what evidence from a peer costs
this node in Ed25519 checks, through the route's real parse and apply, with a runtime's pool."""

import asyncio
from pathlib import Path

import pytest

from node.peer_envelope import PeerKind, seal_envelope
from protocol.signature_cache import SignatureCache
from tests.unit.node.api.kit import TestClient, make_api
from tests.unit.node.chain_kit import CHAIN_ID, VALIDATOR_KEYS, count_ed25519_verifies
from tests.unit.node.runtime_kit import FakeClock, by_reason, make_runtime
from tests.unit.node.test_runtime_hardening import many_duplicate_votes


def test_evidence_against_an_offender_whose_share_is_full_costs_no_signature_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: each item's two signatures were checked before the pool read the offender's
    # share, so a validator flooding evidence against one offender cost 2 verifies per
    # refused item; now a refused item costs only its envelope's check.
    runtime = make_runtime(tmp_path / "solo", VALIDATOR_KEYS[0], FakeClock())
    runtime.ledger.verify = SignatureCache().verify  # what build_node wires
    try:
        _service, inbox, app = make_api(runtime.ledger)
        inbox.runtime = runtime
        share = runtime.settings.evidence_offender_max
        flood = many_duplicate_votes(share + 5)
        checked = count_ed25519_verifies(monkeypatch)
        answers = []
        with TestClient(app) as client:
            for item in flood:
                envelope = seal_envelope(
                    VALIDATOR_KEYS[1], CHAIN_ID, PeerKind.EVIDENCE, item.to_json()
                )
                answers.append(client.post("/peer/evidence", content=envelope).json())
        # The answer says which were pooled (every one said true before, hostile pass h56).
        assert answers == [{"accepted": True}] * share + [{"accepted": False}] * 5
        assert len(runtime.evidence_pool) == share
        refused = by_reason(runtime.metrics.evidence_refused)
        assert refused == {"offender_share_full": 5}
        assert sum(inbox.dropped.values()) == 0  # refused for room: valid, not a bad body
        # Each envelope once; each pooled item's two signatures; nothing for the refused.
        assert len(checked) == len(flood) + 2 * share
    finally:
        asyncio.run(runtime.stop())
        runtime.ledger.store.close()
