"""node/peer_directory.py: node.toml's peers at their current keys, then announced validators."""

from genesis.example.parties import party_key
from node.config import PeerConfig
from node.peer_directory import chain_peers
from node.transport import Peer
from tests.unit.contracts.test_announcements import register_witness
from tests.unit.contracts.test_governance import set_body
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO, XIAMEN = (party_key(n) for n in ("xiangshan-county", "ningbo-ptc", "xiamen-ptc"))
COURT = party_key("xiangshan-court")
BOOTSTRAP = (PeerConfig(name="ningbo-ptc", url="http://ningbo:7102"),)


def announce(chain: TestChain, name: str, address: str) -> None:
    key = party_key(name)
    body = {"public_key": key.public_key.hex(), "address": address}
    assert chain.submit("node.announce", key, body).reason is None


def test_bootstrap_peers_follow_a_rotated_key() -> None:
    chain = TestChain.create()
    assert chain_peers(chain.state, BOOTSTRAP) == [
        Peer(name="ningbo-ptc", public_key=NINGBO.public_key, url="http://ningbo:7102")
    ]
    new = party_key("ningbo-ptc-2027")
    body = {"public_key": NINGBO.public_key.hex(), "new_public_key": new.public_key.hex()}
    assert chain.submit("key.rotate", NINGBO, body, (new,)).reason is None
    (peer,) = chain_peers(chain.state, BOOTSTRAP)
    assert peer.public_key == new.public_key and peer.url == "http://ningbo:7102"


def test_announced_set_members_are_dialled_and_nobody_else() -> None:
    chain = TestChain.create()
    announce(chain, "xiamen-ptc", "http://xiamen:7103")
    announce(chain, "ningbo-ptc", "http://elsewhere:1")  # node.toml wins for ningbo-ptc
    urls = {p.name: p.url for p in chain_peers(chain.state, BOOTSTRAP)}
    assert urls == {"ningbo-ptc": "http://ningbo:7102", "xiamen-ptc": "http://xiamen:7103"}

    # The court announces once it holds the validator role, but is dialled only in a set.
    grant = {"institution_id": "xiangshan-court", "role": "validator"}
    assert chain.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    announce(chain, "xiangshan-court", "http://court:7104")
    assert "xiangshan-court" not in {p.name for p in chain_peers(chain.state, BOOTSTRAP)}
    four = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc", "xiangshan-court")
    update = set_body(four, 3)
    assert chain.submit("validators.update", COUNTY, update, (NINGBO,)).reason is None
    urls = {p.name: p.url for p in chain_peers(chain.state, BOOTSTRAP)}
    assert urls["xiangshan-court"] == "http://court:7104"


def test_a_witness_announcement_is_never_dialled() -> None:
    """A witness (ADR 0025) announces an address for auditors; nodes never dial it, not
    even when its institution also holds the validator role but its key is in no set."""
    chain = TestChain.create()
    witness = party_key("zhejiang-witness")
    register_witness(chain)
    announce(chain, "zhejiang-witness", "http://witness:7200")
    announce(chain, "xiamen-ptc", "http://xiamen:7103")
    peers = chain_peers(chain.state, BOOTSTRAP)
    assert {p.url for p in peers} == {"http://ningbo:7102", "http://xiamen:7103"}
    assert witness.public_key not in {p.public_key for p in peers}
    grant = {"institution_id": "zhejiang-witness", "role": "validator"}
    assert chain.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    assert "http://witness:7200" not in {p.url for p in chain_peers(chain.state, BOOTSTRAP)}
