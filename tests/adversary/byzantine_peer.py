"""The Byzantine validator's base: its real key, its chain copy and its view of the honest nodes.

It unlocks NAME's keystore, keeps its own copy of the chain (synced from the honest nodes
through their public API, executed by node.ledger.Ledger as a node would) to build valid
blocks, signs votes and proposals with the real key, and sends signed peer envelopes
exactly as node/transport.py does (node.peer_envelope.seal_envelope). The attacks build on
it (byzantine_evidence.py, byzantine_proposals.py, byzantine_noise.py).
"""

import contextlib
import http.client
import os
import select
import threading
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from consensus.messages import ProposalMessage, SignedProposal, message_from_json
from genesis.document import build_genesis, parse_genesis
from genesis.keystore import read_keystore, unlock_keystore
from genesis.network import GENESIS_FILE, PASSPHRASE_FILE
from node.config import load_config
from node.ledger import Ledger
from node.peer_envelope import PeerKind, open_envelope, seal_envelope
from node.storage.leveldb import LevelDbStore
from protocol.encoding import JsonObject, decode, encode
from protocol.hashing import TAG_PEER, Hash32
from protocol.signing import PublicKey, SigningKey
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate, Proposal, SignedVote, Vote, VoteType, sign_vote

Reply = dict[str, Any]
"""A command's answer, printed as one JSON line."""
POST_TIMEOUT_S = 30.0
CAPTURE_MAX = 400
"""Honest consensus envelopes kept for replays."""
FLOOD_THREADS = 8


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def random_hash() -> Hash32:
    return Hash32(os.urandom(32))


class ByzantinePeer:
    """One Byzantine validator's key, chain copy and view of the honest nodes: what every
    attack builds on (tests/adversary/byzantine.py runs them as a process)."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        node_dir = directory / name
        passphrase = (node_dir / PASSPHRASE_FILE).read_bytes().rstrip(b"\r\n")
        self.key: SigningKey = unlock_keystore(read_keystore(node_dir), passphrase)
        self.genesis = build_genesis(parse_genesis((directory / GENESIS_FILE).read_bytes()))
        self.chain_id = self.genesis.chain_id
        self.config = load_config(node_dir)
        self.peers = {peer.name: peer.url for peer in self.config.peers}
        self.http = httpx.Client(
            timeout=POST_TIMEOUT_S, limits=httpx.Limits(max_connections=4 * FLOOD_THREADS)
        )
        self.store = LevelDbStore.open(node_dir / "byzantine-chain")
        self.ledger = Ledger(self.store, self.genesis)
        self.captured: deque[tuple[str, bytes]] = deque(maxlen=CAPTURE_MAX)
        """(path, raw body) of every /peer/... message an honest node sent us."""
        self.sent: list[tuple[PeerKind, bytes]] = []
        """Envelopes this process sent before, for replays."""
        self._lock = threading.Lock()
        self.answers_received = 0
        self.answer_bytes_received = 0
        """Commits the honest nodes pushed to us (tests/adversary/byzantine_asks.py)."""

    def heights(self) -> dict[str, int]:
        heights = {}
        for name, url in self.peers.items():
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                heights[name] = int(self.http.get(f"{url}/v1/status").json()["height"])
        return heights

    def working_height(self) -> int:
        """The height the honest validators are deciding now (their head + 1)."""
        return max(self.heights().values()) + 1

    def validators(self) -> ValidatorSet:
        return self.ledger.validators_for_next_height()

    def post(self, peer: str, kind: PeerKind, data: bytes) -> int | str:
        """POST raw bytes to a peer's /peer/<kind>; the status code, or the error's name."""
        url = self.peer_url(peer, kind)
        try:
            response = self.http.post(
                url, content=data, headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as error:
            return type(error).__name__
        return response.status_code

    def peer_url(self, peer: str, kind: PeerKind) -> str:
        return f"{self.peers[peer]}/peer/{kind.value}"

    def seal(self, kind: PeerKind, body: JsonObject) -> bytes:
        data = seal_envelope(self.key, self.chain_id, kind, body)
        with self._lock:
            self.sent.append((kind, data))
        return data

    def seal_unkept(self, kind: PeerKind, body: JsonObject) -> bytes:
        """seal, without keeping the envelope for replays (a large one)."""
        return seal_envelope(self.key, self.chain_id, kind, body)

    def seal_raw(self, kind: PeerKind, body: bytes) -> bytes:
        """A validly signed envelope around body bytes that encode() would refuse (too
        deep): the JCS of the envelope written out by hand, keys in their sorted order."""
        envelope = (
            b'{"body":'
            + body
            + b',"chain_id":"'
            + self.chain_id.hex().encode()
            + b'","kind":"'
            + kind.value.encode()
            + b'","sender":"'
            + self.key.public_key.hex().encode()
            + b'"}'
        )
        return self.framed(envelope, self.key.sign(TAG_PEER + envelope))

    def framed(self, envelope: bytes, signature: bytes) -> bytes:
        """The wire form of node/peer_envelope.py: the auth line, then the envelope bytes."""
        return f"{self.key.public_key.hex()} {signature.hex()}\n".encode() + envelope

    def send(self, kind: PeerKind, body: JsonObject, peers: Iterable[str] | None = None) -> None:
        data = self.seal(kind, body)
        for peer in self.peers if peers is None else peers:
            self.post(peer, kind, data)

    def sync(self) -> int:
        """Apply the honest nodes' certified blocks to our copy; returns our height."""
        for url in self.peers.values():
            while True:
                height = self.ledger.height + 1
                try:
                    response = self.http.get(f"{url}/v1/blocks/{height}")
                except httpx.HTTPError:
                    break
                if response.status_code != 200:
                    break
                body = decode(response.content)
                assert isinstance(body, dict)
                certificate = CommitCertificate.from_json(body["certificate"])
                self.ledger.commit_certified(
                    encode(body["block"]), certificate, check_certificate=True
                )
        return self.ledger.height

    def vote(
        self, vote_type: VoteType, height: int, round_number: int, block: Hash32 | None
    ) -> SignedVote:
        return sign_vote(
            Vote(
                type=vote_type,
                chain_id=self.chain_id,
                height=height,
                round=round_number,
                block_hash=block,
            ),
            self.key,
        )

    def vote_body(self, signed: SignedVote) -> JsonObject:
        return {"kind": "vote", "vote": signed.to_json()}

    def proposal(self, height: int, round_number: int, payload: bytes, block: Hash32) -> JsonObject:
        proposal = Proposal(
            chain_id=self.chain_id,
            height=height,
            round=round_number,
            block_hash=block,
            pol_round=-1,
        )
        signed = SignedProposal(
            proposal=proposal,
            proposer=self.key.public_key,
            signature=self.key.sign(proposal.sign_bytes()),
        )
        return ProposalMessage(signed=signed, payload=payload).to_json()

    def _proposer_slot(self, deadline: float) -> int:
        """Wait until the honest nodes' next height is one we propose in round 0, with our
        chain copy at their head; returns that height."""
        me = self.key.public_key
        while time.monotonic() < deadline:
            head = self.sync()
            height = head + 1
            if (
                self.validators().proposer(height, 0).public_key == me
                and min(self.heights().values()) == head
            ):
                return height
            time.sleep(0.05)
        raise TimeoutError("never the round-0 proposer of a height the honest nodes reached")

    def _prevotes_seen(
        self, height: int, round_number: int, count: int, deadline: float
    ) -> dict[str, str | None]:
        """validator hex -> block hex (None for nil) of the round's prevotes the honest nodes
        sent us, once count of them arrived (or at the deadline)."""
        prevotes: dict[str, str | None] = {}
        senders = frozenset(v.public_key for v in self.validators().validators)
        while len(prevotes) < count and time.monotonic() < deadline:
            with self._lock:
                captured = list(self.captured)
            for path, data in captured:
                signed = captured_vote(path, data, self.chain_id, senders)
                if signed is None or signed.vote.type is not VoteType.PREVOTE:
                    continue
                if (signed.vote.height, signed.vote.round) == (height, round_number):
                    block = signed.vote.block_hash
                    prevotes[signed.validator.hex()] = None if block is None else block.hex()
            time.sleep(0.05)
        return prevotes

    def capture(self, path: str, data: bytes) -> None:
        with self._lock:
            self.captured.append((path, data))
            if path == "/peer/consensus" and b'"kind":"commit"' in data:
                self.answers_received += 1
                self.answer_bytes_received += len(data)

    def close(self) -> None:
        self.http.close()
        self.store.close()


def captured_vote(
    path: str, data: bytes, chain_id: Hash32, senders: frozenset[PublicKey]
) -> SignedVote | None:
    """The vote in a captured /peer/consensus envelope (opened as a node opens it), if any."""
    if path != "/peer/consensus":
        return None
    try:
        envelope = open_envelope(data, chain_id, PeerKind.CONSENSUS, senders)
        message = message_from_json(envelope.body)
    except Exception:  # whatever an honest node sent that we cannot read: not a vote
        return None
    return message if isinstance(message, SignedVote) else None


class FloodPoster:
    """post() for one flood thread: the same request line, body and content-type, on one
    kept-alive http.client connection per peer. httpx's pooled client costs ~1.5 ms of CPU
    a post with FLOOD_THREADS threads sharing it, this ~0.5 (a 3-validator network, 1,500
    posts: the Byzantine's floods are thousands of posts). Made and closed within one flood;
    a connection the node closed (its keep-alive timeout, between two of our posts) is seen
    readable before it is reused and replaced, as httpcore does, so no post goes out on it;
    a connection that failed is dropped and the next post opens another."""

    def __init__(self, peer: ByzantinePeer) -> None:
        self._peer = peer
        self._connections: dict[str, http.client.HTTPConnection] = {}

    def post(self, peer: str, kind: PeerKind, data: bytes) -> int | str:
        """The status code, or the error's name (as ByzantinePeer.post)."""
        url = urlsplit(self._peer.peer_url(peer, kind))
        connection = self._connections.get(peer)
        if connection is not None and _closed_by_peer(connection):
            self._connections.pop(peer).close()
            connection = None
        if connection is None:
            connection = http.client.HTTPConnection(url.netloc, timeout=POST_TIMEOUT_S)
            self._connections[peer] = connection
        try:
            connection.request(
                "POST", url.path, body=data, headers={"content-type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            self._connections.pop(peer).close()
            return type(error).__name__
        return response.status

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """An idle kept-alive connection that reads as ready has been closed by the other end
    (or sent what we never asked for): either way not one to post on."""
    sock = connection.sock
    return sock is not None and bool(select.select([sock], [], [], 0)[0])
