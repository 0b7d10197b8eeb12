"""node.announce (ADR 0023, ADR 0025): a validator's or witness's node address, signed by
the key itself."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.announcements import announced_address
from contracts.bodies_governance import NodeAnnounceBody
from contracts.records import (
    NODE_ADDRESS_LENGTH_MAX,
    Institution,
    NodeAddress,
    check_node_address,
)
from contracts.roles import institution_of_key
from contracts.state_keys import node_address_key
from contracts.store import load
from genesis.example.parties import party_key
from protocol.errors import FieldTypeError
from protocol.signing import PublicKey
from tests.vectors.contracts.network import TestChain

COUNTY, NINGBO = party_key("xiangshan-county"), party_key("ningbo-ptc")
COURT, AUDITOR = party_key("xiangshan-court"), party_key("zhejiang-auditor")
WITNESS = party_key("zhejiang-witness")


def announce(key_hex: str, address: str) -> dict[str, str]:
    return {"public_key": key_hex, "address": address}


def test_a_validator_announces_its_address_and_may_move(chain: TestChain) -> None:
    body = announce(NINGBO.public_key.hex(), "http://ningbo.example.cn:7102")
    assert chain.submit("node.announce", NINGBO, body).reason is None
    record = load(chain.state, node_address_key(NINGBO.public_key), NodeAddress.from_json)
    assert record == NodeAddress(
        public_key=NINGBO.public_key, address=body["address"], height=chain.height
    )
    moved = announce(NINGBO.public_key.hex(), "https://10.0.0.2:443")
    assert chain.submit("node.announce", NINGBO, moved).reason is None
    assert announced_address(chain.state, NINGBO.public_key) == "https://10.0.0.2:443"


def test_only_the_key_itself_and_only_a_validator(chain: TestChain) -> None:
    # Another validator cannot point ningbo-ptc's peers somewhere else.
    body = announce(NINGBO.public_key.hex(), "http://evil.example:1")
    assert chain.submit("node.announce", COUNTY, body).reason == "announcer_not_sender"
    # The court has no validator role in this genesis: its address is not dialled.
    court = announce(COURT.public_key.hex(), "http://court.example:7104")
    assert chain.submit("node.announce", COURT, court).reason == "signer_lacks_role"
    assert announced_address(chain.state, COURT.public_key) is None
    grant = {"institution_id": "xiangshan-court", "role": "validator"}
    assert chain.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    assert chain.submit("node.announce", COURT, court).reason is None
    assert announced_address(chain.state, NINGBO.public_key) is None


def test_a_witness_role_key_announces(chain: TestChain) -> None:
    """An institution granted `witness` (by the validator quorum of role.grant) may announce
    its key's address; the auditor, holding neither validator nor witness, may not."""
    auditor = announce(AUDITOR.public_key.hex(), "https://audit.example.cn:8443")
    assert chain.submit("node.announce", AUDITOR, auditor).reason == "signer_lacks_role"
    grant = {"institution_id": "zhejiang-auditor", "role": "witness"}
    assert chain.submit("role.grant", COUNTY, grant).reason == "validator_quorum_missing"
    assert chain.submit("role.grant", COUNTY, grant, (NINGBO,)).reason is None
    institution = institution_of_key(chain.state, AUDITOR.public_key)
    assert institution is not None and institution.roles == ("auditor", "witness")
    assert chain.submit("node.announce", AUDITOR, auditor).reason is None
    assert announced_address(chain.state, AUDITOR.public_key) == auditor["address"]
    # Revoked again, the role no longer lets the key announce (the old record stays).
    assert chain.submit("role.revoke", COUNTY, grant, (NINGBO,)).reason is None
    moved = announce(AUDITOR.public_key.hex(), "https://audit2.example.cn:8443")
    assert chain.submit("node.announce", AUDITOR, moved).reason == "signer_lacks_role"
    assert announced_address(chain.state, AUDITOR.public_key) == auditor["address"]


def witness_institution(name: str, public_key: PublicKey) -> Institution:
    """An institution with only the witness role and one key, as genesis writes one."""
    return Institution(
        institution_id=name,
        name_zh=name,
        name_en=name,
        roles=("witness",),
        public_keys=(public_key,),
    )


def register_witness(chain: TestChain) -> None:
    """zhejiang-witness, registered by a validator quorum."""
    body = witness_institution("zhejiang-witness", WITNESS.public_key).to_json()
    assert chain.submit("institution.register", COUNTY, body, (NINGBO,)).reason is None


def test_a_registered_witness_institution_announces(chain: TestChain) -> None:
    register_witness(chain)
    own = announce(WITNESS.public_key.hex(), "http://witness.example.cn:7200")
    assert chain.submit("node.announce", WITNESS, own).reason is None
    record = load(chain.state, node_address_key(WITNESS.public_key), NodeAddress.from_json)
    assert record is not None and record.address == own["address"]
    # Still only for itself.
    other = announce(NINGBO.public_key.hex(), "http://witness.example.cn:7200")
    assert chain.submit("node.announce", WITNESS, other).reason == "announcer_not_sender"


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:7101",
        "https://node-1.xiangshan.gov.cn:443",
        "http://localhost:65535",
    ],
)
def test_addresses_that_are_accepted(address: str) -> None:
    check_node_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "ftp://127.0.0.1:21",  # scheme
        "file:///etc/passwd",
        "http://127.0.0.1",  # port required: one spelling per address
        "http://127.0.0.1:0",
        "http://127.0.0.1:65536",
        "http://127.0.0.1:07101",
        "HTTP://127.0.0.1:7101",  # lowercase only
        "http://Node.example:1",
        "http://user@host:1",
        "http://host:1/peer",
        "http://host:1?x=1",
        "http://[::1]:7101",
        "http://-host:1",
        "http://host..example:1",
        "http:// host:1",
        "http://host:1\n",
        "http://" + "a" * 120 + ":1",
    ],
)
def test_addresses_that_are_refused(address: str) -> None:
    with pytest.raises(FieldTypeError):
        check_node_address(address)
    with pytest.raises(FieldTypeError):
        NodeAnnounceBody.from_json(announce(NINGBO.public_key.hex(), address))


@given(st.text(max_size=NODE_ADDRESS_LENGTH_MAX + 20))
def test_any_accepted_address_is_bounded_and_plain(address: str) -> None:
    """Whatever passes is short, ASCII, and has exactly one scheme, host and port."""
    try:
        check_node_address(address)
    except FieldTypeError:
        return
    assert len(address) <= NODE_ADDRESS_LENGTH_MAX and address.isascii()
    scheme, rest = address.split("://")
    _host, port = rest.split(":")
    assert scheme in {"http", "https"} and 1 <= int(port) <= 65535
    assert not set("/@?#[] \n") & set(rest)


@given(
    st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,20}){0,3}", fullmatch=True),
    st.integers(1, 65535),
    st.sampled_from(["http", "https"]),
)
def test_every_plain_host_and_port_is_accepted(host: str, port: int, scheme: str) -> None:
    address = f"{scheme}://{host}:{port}"
    check_node_address(address)
    assert NodeAddress(public_key=NINGBO.public_key, address=address, height=1).to_json() == {
        "public_key": NINGBO.public_key.hex(),
        "address": address,
        "height": 1,
    }
