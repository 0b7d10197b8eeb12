"""Fixtures of the client tests: a local network's keys and genesis, and fake nodes."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nacl.pwhash
import pytest

from genesis.document import Genesis, build_genesis
from genesis.example.chain_forge import ChainForge
from genesis.keystore import KdfLimits, create_key_directory
from genesis.network import LOCAL_CHAIN_NAME, init_local_network
from tests.unit.client.audit_chains import honest_chain
from tests.unit.client.fake_node import FakeNode, serve

# libsodium's minimum Argon2id cost: tests only, so each unlock takes about a millisecond.
TEST_LIMITS = KdfLimits(
    opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN, memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN
)
GENESIS_TIME_MS = 1_700_000_000_000
TOWNSHIP = "huangbiao-township"


@dataclass(frozen=True)
class Network:
    """A local network directory: DIR/<name>/{keystore.json, passphrase}, DIR/genesis.json."""

    directory: Path
    genesis_path: Path
    genesis: Genesis

    def key(self, name: str) -> Path:
        return self.directory / name


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    directory = tmp_path_factory.mktemp("net")
    document = init_local_network(
        directory, validator_count=3, genesis_time_ms=GENESIS_TIME_MS, limits=TEST_LIMITS
    )
    genesis_path = directory / "genesis.json"
    genesis_path.write_text(json.dumps(document.to_json(), ensure_ascii=False), encoding="utf-8")
    # The township's own account key: a plain passphrase file beside it, like a local net.
    create_key_directory(directory / TOWNSHIP, TOWNSHIP, (), b"township pass", limits=TEST_LIMITS)
    (directory / TOWNSHIP / "passphrase").write_bytes(b"township pass\n")
    return Network(directory=directory, genesis_path=genesis_path, genesis=build_genesis(document))


@pytest.fixture
def fake(network: Network) -> FakeNode:
    return FakeNode(network.genesis)


@pytest.fixture
def node_url(fake: FakeNode) -> Iterator[str]:
    with serve(fake) as url:
        yield url


WITNESS = "court-witness"


def witnessed_network(directory: Path, chain_name: str = LOCAL_CHAIN_NAME) -> Path:
    """A local network whose genesis names one witness, WITNESS (an institution with its
    key); returns its genesis file."""
    document = init_local_network(
        directory,
        validator_count=3,
        genesis_time_ms=GENESIS_TIME_MS,
        limits=TEST_LIMITS,
        witnesses=(WITNESS,),
        chain_name=chain_name,
    )
    path = directory / "genesis.json"
    path.write_text(json.dumps(document.to_json(), ensure_ascii=False))
    return path


@pytest.fixture(scope="module")
def honest() -> ChainForge:
    """The audit tests' honest chain (tests/unit/client/audit_chains.py honest_chain)."""
    return honest_chain()
