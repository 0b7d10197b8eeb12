"""`lantan witness --announce` (ADR 0025): node.announce once, skipped when the chain has it,
refusals reported without stopping the witness. Against the fake node (real contracts)."""

import dataclasses
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from client.api import NodeClient
from client.node_pool import NodePool
from client.tx.signing_keys import UnlockedKey, unlock_key
from client.witness.announce import Announced, announce_once, announced_address
from client.witness.discovery import LearnedNodes, announced_validator_urls
from genesis.document import Genesis, build_genesis, parse_genesis
from protocol.hashing import sha256
from protocol.signing import SigningKey
from tests.kit.lantan_cli import run_lantan
from tests.unit.client.conftest import WITNESS, witnessed_network
from tests.unit.client.fake_node import FakeNode, serve

URL = "https://witness.court.example.cn:8443"


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Genesis]:
    """A local network whose genesis names one witness (an institution with its key)."""
    directory = tmp_path_factory.mktemp("witnessed")
    path = witnessed_network(directory)
    return directory, build_genesis(parse_genesis(path.read_bytes()))


@pytest.fixture
def node(witnessed: tuple[Path, Genesis]) -> FakeNode:
    return FakeNode(witnessed[1])


@pytest.fixture
def pool(node: FakeNode) -> Iterator[NodePool]:
    with NodePool(["http://node-1:7101"], transport=node.transport()) as made:
        yield made


def key(witnessed: tuple[Path, Genesis], name: str = WITNESS) -> UnlockedKey:
    return unlock_key(witnessed[0] / name)


def posts(node: FakeNode) -> int:
    return sum(1 for method, path in node.requests if (method, path) == ("POST", "/v1/txs"))


def test_announces_once_and_not_again_when_the_chain_has_it(
    witnessed: tuple[Path, Genesis], node: FakeNode, pool: NodePool
) -> None:
    chain_id = witnessed[1].chain_id
    witness = key(witnessed)
    first = announce_once(pool, key=witness, address=URL, chain_id=chain_id)
    assert first.result is Announced.DONE, first.message
    assert first.message == f"announced {URL} at height 1"
    assert announced_address(pool, witness.key.public_key) == (URL, 1)
    assert posts(node) == 1

    again = announce_once(pool, key=witness, address=URL, chain_id=chain_id)
    assert again.result is Announced.DONE
    assert again.message == f"address {URL} announced at height 1"
    assert posts(node) == 1  # read, not resent

    moved = "https://witness2.court.example.cn:8443"
    assert announce_once(pool, key=witness, address=moved, chain_id=chain_id).result is (
        Announced.DONE
    )
    assert announced_address(pool, witness.key.public_key) == (moved, 2)


def test_a_key_without_the_witness_role_is_refused_with_a_hint(
    witnessed: tuple[Path, Genesis], pool: NodePool
) -> None:
    auditor = key(witnessed, "blue-carbon-auditor")
    outcome = announce_once(pool, key=auditor, address=URL, chain_id=witnessed[1].chain_id)
    assert outcome.result is Announced.REFUSED
    assert "signer_lacks_role" in outcome.message and "witness role" in outcome.message
    assert announced_address(pool, auditor.key.public_key) is None


def test_an_unregistered_key_is_refused_at_admission(
    witnessed: tuple[Path, Genesis], pool: NodePool
) -> None:
    stranger = UnlockedKey(name="stranger", key=SigningKey(sha256(b"no institution")))
    outcome = announce_once(pool, key=stranger, address=URL, chain_id=witnessed[1].chain_id)
    assert outcome.result is Announced.REFUSED
    assert "unknown_sender" in outcome.message


def test_unreachable_nodes_are_tried_again(witnessed: tuple[Path, Genesis]) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with NodePool(["http://node-1:7101"], transport=httpx.MockTransport(down)) as pool:
        outcome = announce_once(
            pool, key=key(witnessed), address=URL, chain_id=witnessed[1].chain_id
        )
    assert outcome.result is Announced.RETRY


def run_witness_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return run_lantan("witness", *argv)


def test_the_cli_announces_before_its_round_once(
    witnessed: tuple[Path, Genesis],
    node: FakeNode,
    tmp_path: Path,
) -> None:
    directory = witnessed[0]
    common = ("--genesis", str(directory / "genesis.json"), "--state", str(tmp_path), "--once")
    with serve(node) as url:
        # The fake node serves no real checkpoint: each round fails, after the announcement.
        done = run_witness_cli(*common, "--key", str(directory / WITNESS), "--node", url)
        assert done.returncode == 1 and posts(node) == 0  # no --announce: nothing sent
        out, err = "", ""
        for _ in range(2):
            done = run_witness_cli(
                *common, "--key", str(directory / WITNESS), "--node", url, "--announce", URL
            )
            assert done.returncode == 1
            out, err = out + done.stdout, err + done.stderr
    assert f"lantan witness: announced {URL} at height 1" in out, (out, err)
    assert f"lantan witness: address {URL} announced at height 1" in out, (out, err)
    assert posts(node) == 1


def test_a_refused_announcement_does_not_stop_the_rounds(
    witnessed: tuple[Path, Genesis], tmp_path: Path
) -> None:
    """A genesis made before ADR 0025 names the witness but registers no key for it: the
    nodes refuse the tx (unknown_sender), the witness says so and runs its round."""
    directory, genesis = witnessed
    document = genesis.document
    older = dataclasses.replace(
        document, institutions=tuple(i for i in document.institutions if "witness" not in i.roles)
    )
    genesis_file = tmp_path / "older-genesis.json"
    genesis_file.write_text(json.dumps(older.to_json(), ensure_ascii=False))
    node = FakeNode(build_genesis(older))
    with serve(node) as url:
        done = run_witness_cli(
            *("--genesis", str(genesis_file), "--state", str(tmp_path / "state"), "--once"),
            *("--key", str(directory / WITNESS), "--node", url, "--announce", URL),
        )
    err = done.stderr
    assert done.returncode == 1
    assert "lantan witness: warning: node.announce refused at admission (unknown_sender)" in err
    assert "witness role" in err
    # The round ran after it: it asked the node for its checkpoint.
    assert ("GET", "/v1/checkpoints/latest") in node.requests, node.requests


def test_a_malformed_address_is_refused_before_anything_is_sent(
    witnessed: tuple[Path, Genesis], node: FakeNode, tmp_path: Path
) -> None:
    directory = witnessed[0]
    with serve(node) as url:
        done = run_witness_cli(
            *("--genesis", str(directory / "genesis.json"), "--state", str(tmp_path)),
            *("--key", str(directory / WITNESS), "--node", url, "--once"),
            *("--announce", "http://witness.example.cn/cosign"),
        )
    assert done.returncode != 0 and node.requests == []


# --- --learn-validators: the nodes the validators announced --------------------------------


def test_learns_the_validators_announced_nodes_and_drops_those_gone(
    witnessed: tuple[Path, Genesis], node: FakeNode
) -> None:
    directory, genesis = witnessed
    other = FakeNode(genesis, name="ningbo-ptc")
    with serve(node) as named_url, serve(other) as other_url, NodeClient(named_url) as named:
        with NodePool([named_url]) as pool:
            ningbo = unlock_key(directory / "ningbo-ptc")
            announced = announce_once(
                pool, key=ningbo, address=other_url, chain_id=genesis.chain_id
            )
            assert announced.result is Announced.DONE, announced.message
            # The witness's own announcement (not a validator) is not followed.
            assert (
                announce_once(
                    pool, key=key(witnessed), address=URL, chain_id=genesis.chain_id
                ).result
                is Announced.DONE
            )
            # A validator announcing the named node's own address adds nothing.
            county = unlock_key(directory / "xiangshan-county")
            announce_once(pool, key=county, address=named_url, chain_id=genesis.chain_id)
        followed = LearnedNodes([named])
        urls = announced_validator_urls(followed.nodes)
        assert urls is not None and sorted(urls) == sorted([named_url, other_url])
        assert followed.update(urls) == [other_url]
        assert [n.url for n in followed.nodes] == [named_url, other_url]
        assert followed.update(urls) == []
        followed.update([named_url])
        assert [n.url for n in followed.nodes] == [named_url]
        followed.close()


def test_no_node_answering_keeps_what_was_learned() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with NodeClient("http://node-1:7101", transport=httpx.MockTransport(down)) as node:
        assert announced_validator_urls([node]) is None


def test_the_cli_follows_an_announced_validator_node(
    witnessed: tuple[Path, Genesis], node: FakeNode, tmp_path: Path
) -> None:
    directory, genesis = witnessed
    later = FakeNode(genesis, name="xiamen-ptc")
    with serve(node) as url, serve(later) as later_url:
        with NodePool([url]) as pool:
            xiamen = unlock_key(directory / "xiamen-ptc")
            announce_once(pool, key=xiamen, address=later_url, chain_id=genesis.chain_id)
        argv = (
            *("--genesis", str(directory / "genesis.json"), "--state", str(tmp_path)),
            *("--key", str(directory / WITNESS), "--node", url, "--once"),
        )
        run_witness_cli(*argv)
        assert ("GET", "/v1/checkpoints/latest") not in later.requests
        run_witness_cli(*argv, "--learn-validators")
    # The round read the node no one named at start.
    assert ("GET", "/v1/checkpoints/latest") in later.requests


def test_query_witnesses_shows_the_announced_address(
    pool: NodePool,
    node: FakeNode,
    witnessed: tuple[Path, Genesis],
) -> None:

    announce_once(pool, key=key(witnessed), address=URL, chain_id=node.chain_id)
    with serve(node) as url:
        shown = run_lantan("query", "witnesses", "--node", url)
        assert shown.returncode == 0
        table = shown.stdout
        shown = run_lantan("query", "witnesses", "--node", url, "--json")
        assert shown.returncode == 0
        answer = json.loads(shown.stdout)
    row = next(line for line in table.splitlines() if line.startswith(f"{WITNESS} "))
    assert row.split() == [WITNESS, WITNESS, "active", URL, "1", "-"]
    assert answer["quorum"] == 1
    assert answer["witnesses"][0]["announced"] == {"address": URL, "height": 1}
