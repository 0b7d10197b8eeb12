"""lantan_peer_height (node/metrics/scrape.py): a peer's claimed height is checked by
nothing, so the gauge the dashboard plots is held within the heights this node takes votes
of; the claim is exported as it came under its own name."""

from node.metrics.scrape import NodeStateCollector
from node.peering import FAR_AHEAD_HEIGHTS
from node.readiness import Readiness
from node.sync_state import PeerView, SyncState
from tests.unit.node.api.kit import Api

LIAR = "http://127.0.0.1:16004"
HONEST = "http://127.0.0.1:16003"


def _samples(api: Api, sync: SyncState) -> dict[tuple[str, str], float]:
    collector = NodeStateCollector(api.service, api.inbox, None, Readiness(sync, observer=False))
    return {
        (sample.name, sample.labels["peer"]): sample.value
        for family in collector.collect()
        for sample in family.samples
        if sample.name.startswith("lantan_peer_height")
    }


def test_a_peer_s_claimed_height_is_exported_within_the_window_and_apart_whole(api: Api) -> None:
    own = api.ledger.height
    sync = SyncState(
        peers={
            LIAR: PeerView(url=LIAR, height=9_000_000_000_000_000, reachable=True),
            HONEST: PeerView(url=HONEST, height=own + 1, reachable=True),
        }
    )
    assert _samples(api, sync) == {
        ("lantan_peer_height", LIAR): own + FAR_AHEAD_HEIGHTS,
        ("lantan_peer_height", HONEST): own + 1,
        ("lantan_peer_height_claimed", LIAR): 9_000_000_000_000_000,
        ("lantan_peer_height_claimed", HONEST): own + 1,
    }
