"""A Byzantine validator: a separate OS process holding one validator's real signing key.

    python -m tests.adversary.byzantine NET_DIR NAME

NAME is a validator of the network in NET_DIR whose node is not running; this process takes
its place. It unlocks NAME's keystore, listens on NAME's port (so it receives what the
honest validators send it, and captures it for replays), keeps its own copy of the chain
(synced from the honest nodes through their public API, executed by node.ledger.Ledger as
a node would) to build valid blocks, and sends signed peer envelopes exactly as
node/transport.py does (node.peer_envelope.seal_envelope).

The test scripts it over stdin, one JSON command per line ({"op": ..., ...}); each command
is answered with one JSON line on stdout ({"ok": true, ...} or {"ok": false, "error"}).
The first line it prints is {"ok": true, "ready": ...} once it listens. Nothing of this
lives in production code: the honest nodes run unmodified.
"""

import contextlib
import json
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

import contracts.execution
from consensus.messages import ProposalMessage, SignedProposal, message_from_json
from contracts.context import BlockContext
from contracts.records import EvidenceRecord
from contracts.state import StateOverlay
from contracts.state_keys import evidence_key
from contracts.store import save
from genesis.document import build_genesis, parse_genesis
from genesis.keystore import read_keystore, unlock_keystore
from genesis.network import GENESIS_FILE, PASSPHRASE_FILE
from node.config import load_config
from node.ledger import Ledger
from node.peer_envelope import PeerKind, open_envelope, seal_envelope
from node.storage.leveldb import LevelDbStore
from protocol.encoding import JsonObject, decode, encode
from protocol.evidence import ConflictingCheckpointEvidence, DuplicateVoteEvidence, Evidence
from protocol.hashing import TAG_PEER, Hash32, sha256
from protocol.note import Checkpoint as NoteCheckpoint
from protocol.note import checkpoint_at_height, checkpoint_origin, format_signed_note, sign_note
from protocol.signing import PublicKey, SigningKey
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate, Proposal, SignedVote, Vote, VoteType, sign_vote

Reply = dict[str, Any]
"""A command's answer, printed as one JSON line."""
POST_TIMEOUT_S = 30.0
CAPTURE_MAX = 400
"""Honest consensus envelopes kept for replays."""
FLOOD_THREADS = 8
_RECORDER = "record_evidence"
"""The function of contracts.execution that checks and records a block's evidence."""
REPLAY_CAPTURED_MAX = 100
REPLAY_OWN_MAX = 60


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _random_hash() -> Hash32:
    return Hash32(os.urandom(32))


class Byzantine:
    """One Byzantine validator: its key, its chain copy, its view of the honest nodes."""

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

    # --- the honest nodes ----------------------------------------------------------------

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
        url = f"{self.peers[peer]}/peer/{kind.value}"
        try:
            response = self.http.post(
                url, content=data, headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as error:
            return type(error).__name__
        return response.status_code

    def seal(self, kind: PeerKind, body: JsonObject) -> bytes:
        data = seal_envelope(self.key, self.chain_id, kind, body)
        with self._lock:
            self.sent.append((kind, data))
        return data

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

    # --- chain copy ----------------------------------------------------------------------

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

    # --- messages ------------------------------------------------------------------------

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

    # --- attacks -------------------------------------------------------------------------

    def equivocate(self, vote_type: str) -> Reply:
        """Two conflicting votes of one type for one (height, round), both really signed.

        Every honest node gets both (in opposite orders), so each can prove the offence.
        """
        kind = VoteType(vote_type)
        height = self.working_height()
        first = self.vote(kind, height, 0, _random_hash())
        second = self.vote(kind, height, 0, None)
        evidence = DuplicateVoteEvidence.create(first, second)
        bodies = [self.seal(PeerKind.CONSENSUS, self.vote_body(v)) for v in (first, second)]
        for index, peer in enumerate(self.peers):
            for data in bodies if index % 2 == 0 else reversed(bodies):
                self.post(peer, PeerKind.CONSENSUS, data)
        return {"height": height, "evidence_hash": evidence.hash().hex()}

    def checkpoint_equivocation(self) -> Reply:
        """Two checkpoint signature lines for one size of this chain's log, over different
        roots, signed with our real note key (what node/server.py gossips after a commit)."""
        size = self.working_height() + 1
        lines = []
        for root in (_random_hash(), _random_hash()):
            text = checkpoint_at_height(chain_id=self.chain_id, height=size - 1, root_hash=root)
            signature = sign_note(text.body(), self.name, self.key)
            lines.append((root, text, signature))
            body: JsonObject = {"size": size, "root": root.hex(), "line": signature.line()}
            self.send(PeerKind.CHECKPOINT, body)
        notes = sorted(format_signed_note(text.body(), [sig]) for _, text, sig in lines)
        evidence = ConflictingCheckpointEvidence(
            signer=self.key.public_key, size=size, note_a=notes[0], note_b=notes[1]
        )
        return {"size": size, "evidence_hash": evidence.hash().hex()}

    def bogus_evidence(self, variant: str) -> Reply:
        """Evidence that must never be recorded, sent in validly signed envelopes."""
        height = self.working_height()
        honest = next(
            v.public_key
            for v in self.validators().validators
            if v.public_key != self.key.public_key
        )
        statuses: dict[str, list[int | str]] = {}
        hashes: list[str] = []
        bodies: list[JsonObject] = []
        if variant in ("zero_signatures", "garbage_signatures", "framed_honest"):
            for round_number in range(3):
                evidence = self._forged_votes(variant, height, round_number, honest)
                hashes.append(evidence.hash().hex())
                bodies.append(evidence.to_json())
        elif variant == "cross_chain_votes":
            evidence = self._cross_chain_votes(height)
            hashes.append(evidence.hash().hex())
            bodies.append(evidence.to_json())
        elif variant == "cross_chain_checkpoint":
            checkpoint = self._cross_chain_checkpoint(height)
            hashes.append(checkpoint.hash().hex())
            bodies.append(checkpoint.to_json())
        elif variant == "unsigned":
            # Signatures left out or empty: the evidence does not even parse.
            first = self.vote(VoteType.PREVOTE, height, 0, _random_hash())
            second = self.vote(VoteType.PREVOTE, height, 0, None)
            real = DuplicateVoteEvidence.create(first, second).to_json()
            stripped = json.loads(json.dumps(real))
            stripped["vote_a"]["signature"] = ""
            stripped["vote_b"]["signature"] = ""
            missing = json.loads(json.dumps(real))
            del missing["vote_a"]["signature"]
            bodies += [stripped, missing]
        else:
            raise ValueError(f"unknown evidence variant {variant!r}")
        for peer in self.peers:
            statuses[peer] = [
                self.post(peer, PeerKind.EVIDENCE, self.seal(PeerKind.EVIDENCE, body))
                for body in bodies
            ]
        return {"height": height, "hashes": hashes, "statuses": statuses}

    def _cross_chain_votes(self, height: int) -> DuplicateVoteEvidence:
        """Two conflicting prevotes, really signed by us, for another chain_id."""
        other_chain = _random_hash()
        first, second = (
            sign_vote(
                Vote(
                    type=VoteType.PREVOTE,
                    chain_id=other_chain,
                    height=height,
                    round=0,
                    block_hash=block,
                ),
                self.key,
            )
            for block in (_random_hash(), None)
        )
        return DuplicateVoteEvidence.create(first, second)

    def _forged_votes(
        self, variant: str, height: int, round_number: int, honest: PublicKey
    ) -> Evidence:
        votes = []
        for block in (_random_hash(), None):
            vote = Vote(
                type=VoteType.PRECOMMIT,
                chain_id=self.chain_id,
                height=height,
                round=round_number,
                block_hash=block,
            )
            if variant == "zero_signatures":
                votes.append(
                    SignedVote(vote=vote, validator=self.key.public_key, signature=bytes(64))
                )
            elif variant == "garbage_signatures":
                votes.append(
                    SignedVote(vote=vote, validator=self.key.public_key, signature=os.urandom(64))
                )
            else:
                # An honest validator "framed": the votes name it, our key signed them.
                signature = self.key.sign(vote.sign_bytes())
                votes.append(SignedVote(vote=vote, validator=honest, signature=signature))
        return DuplicateVoteEvidence.create(votes[0], votes[1])

    def _cross_chain_checkpoint(self, height: int) -> ConflictingCheckpointEvidence:
        """Two notes signed with our real note key for one size: one of this chain, the
        second with another chain's origin. Only the first one is this log's checkpoint."""
        size = height
        ours = checkpoint_at_height(
            chain_id=self.chain_id, height=size - 1, root_hash=_random_hash()
        )
        other = NoteCheckpoint(
            origin=checkpoint_origin(_random_hash()), size=size, root_hash=_random_hash()
        )
        notes = sorted(
            format_signed_note(text, [sign_note(text, self.name, self.key)])
            for text in (ours.body(), other.body())
        )
        return ConflictingCheckpointEvidence(
            signer=self.key.public_key, size=size, note_a=notes[0], note_b=notes[1]
        )

    def unsigned_envelope(self) -> Reply:
        """Real, validly signed evidence in envelopes whose own signature is missing or zero:
        it must be dropped unread, so it is never recorded."""
        height = self.working_height()
        first = self.vote(VoteType.PREVOTE, height, 0, _random_hash())
        second = self.vote(VoteType.PREVOTE, height, 0, None)
        evidence = DuplicateVoteEvidence.create(first, second)
        # The envelope as node/peer_envelope.py lays it out, written by hand: no signature
        # is made for it.
        envelope: JsonObject = {
            "chain_id": self.chain_id.hex(),
            "kind": PeerKind.EVIDENCE.value,
            "sender": self.key.public_key.hex(),
            "body": evidence.to_json(),
        }
        zero = self.framed(encode(envelope), bytes(64))
        bare = encode(envelope)  # no auth line at all
        statuses = {
            peer: [self.post(peer, PeerKind.EVIDENCE, data) for data in (zero, bare)]
            for peer in self.peers
        }
        return {"hashes": [evidence.hash().hex()], "statuses": statuses}

    def stale_evidence(self, recorded: list[JsonObject]) -> Reply:
        """Evidence already recorded, sent again; and a real offence at height 1."""
        first = self.vote(VoteType.PREVOTE, 1, 0, _random_hash())
        second = self.vote(VoteType.PREVOTE, 1, 0, None)
        old = DuplicateVoteEvidence.create(first, second)
        for body in [*recorded, old.to_json()]:
            self.send(PeerKind.EVIDENCE, body)
        return {"old_height_hash": old.hash().hex()}

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

    def double_propose(self, timeout_s: float) -> Reply:
        """At a height where we propose round 0, send two valid blocks for that round: each
        honest node gets a different one first."""
        deadline = time.monotonic() + timeout_s
        size = self.validators().size
        me = self.key.public_key
        height = self._proposer_slot(deadline)
        time_ms = max(_now_ms(), self.ledger.head().time_ms + 1)
        blocks = [
            self.ledger.build(txs=(), evidence=(), time_ms=time_ms + offset, proposer=me)
            for offset in (0, 1)
        ]
        messages = [
            self.seal(
                PeerKind.CONSENSUS, self.proposal(height, 0, prepared.payload, prepared.block_hash)
            )
            for prepared in blocks
        ]
        for index, peer in enumerate(self.peers):
            for data in messages if index % 2 == 0 else reversed(messages):
                self.post(peer, PeerKind.CONSENSUS, data)
        return {
            "height": height,
            "blocks": [prepared.block_hash.hex() for prepared in blocks],
            "validators": size,
            "honest_prevotes": self._prevotes_seen(height, 0, size - 1, deadline),
        }

    def propose_bogus_evidence(self, timeout_s: float) -> Reply:
        """As round-0 proposer, a block whose evidence list holds cross-chain evidence
        (another chain's votes, another chain's checkpoint note; both really signed by us,
        which the unfixed contracts accept: issue 10 finding 6), built by a
        patched copy of the contracts that records evidence unchecked; we prevote and
        precommit it ourselves, so one honest vote would make a quorum of two at n=3."""
        deadline = time.monotonic() + timeout_s
        size = self.validators().size
        me = self.key.public_key
        height = self._proposer_slot(deadline)
        evidence = (self._cross_chain_votes(height), self._cross_chain_checkpoint(height))
        time_ms = max(_now_ms(), self.ledger.head().time_ms + 1)
        with _unchecked_evidence():
            prepared = self.ledger.build(txs=(), evidence=evidence, time_ms=time_ms, proposer=me)
        block = prepared.block_hash
        self.send(PeerKind.CONSENSUS, self.proposal(height, 0, prepared.payload, block))
        for kind in (VoteType.PREVOTE, VoteType.PRECOMMIT):
            self.send(PeerKind.CONSENSUS, self.vote_body(self.vote(kind, height, 0, block)))
        return {
            "height": height,
            "block": block.hex(),
            "hashes": [item.hash().hex() for item in evidence],
            "honest_prevotes": self._prevotes_seen(height, 0, size - 1, deadline),
        }

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
                signed = _captured_vote(path, data, self.chain_id, senders)
                if signed is None or signed.vote.type is not VoteType.PREVOTE:
                    continue
                if (signed.vote.height, signed.vote.round) == (height, round_number):
                    block = signed.vote.block_hash
                    prevotes[signed.validator.hex()] = None if block is None else block.hex()
            time.sleep(0.05)
        return prevotes

    def future_votes(self) -> Reply:
        """Votes and proposals for heights and rounds far ahead, validly signed."""
        height = self.working_height()
        targets = [
            (height, 1_000),
            (height, 1 << 20),
            (height, (1 << 20) + 1),
            (height, (1 << 53) - 1),
            (height + 1, 0),
            (height + 2, 5),
            (height + 1_000, 0),
            (height + 1_000_000, 3),
            ((1 << 53) - 1, (1 << 53) - 1),
        ]
        count = 0
        for target_height, round_number in targets:
            for kind in (VoteType.PREVOTE, VoteType.PRECOMMIT):
                signed = self.vote(kind, target_height, round_number, _random_hash())
                self.send(PeerKind.CONSENSUS, self.vote_body(signed))
                count += 1
            payload = b'{"evidence":[],"header":{},"txs":[]}'
            fake = self.proposal(target_height, round_number, payload, Hash32(sha256(payload)))
            self.send(PeerKind.CONSENSUS, fake)
            self.send(PeerKind.CONSENSUS, {"kind": "status", "height": target_height})
            count += 2
        return {"sent": count}

    def replay(self) -> Reply:
        """Send again what the honest nodes sent us (their signatures, untouched), to every
        honest node, and everything we sent before; then old-height votes re-signed now."""
        with self._lock:
            captured = list(self.captured)
            ours = list(self.sent)
        jobs = [
            (peer, PeerKind(path.rsplit("/", 1)[-1]), data)
            for path, data in captured[-REPLAY_CAPTURED_MAX:]
            for peer in self.peers
        ]
        jobs += [(peer, kind, data) for kind, data in ours[-REPLAY_OWN_MAX:] for peer in self.peers]
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            list(pool.map(lambda job: self.post(*job), jobs))
        count = len(jobs)
        head = self.working_height() - 1
        for height in range(max(1, head - 5), head + 1):
            for kind_ in (VoteType.PREVOTE, VoteType.PRECOMMIT):
                self.send(PeerKind.CONSENSUS, self.vote_body(self.vote(kind_, height, 0, None)))
                count += 1
        return {"sent": count, "captured": len(captured)}

    def garbage(self, oversized_mib: list[int]) -> Reply:
        """Malformed, truncated and oversized envelopes; the status each node answered."""
        valid = self.seal(
            PeerKind.CONSENSUS,
            self.vote_body(self.vote(VoteType.PREVOTE, self.working_height(), 0, None)),
        )
        depth = 200_000
        samples: dict[str, bytes] = {
            "random_bytes": os.urandom(4096),
            "empty": b"",
            "not_json": b"\xff\xfe{{{",
            "json_list": b"[1,2,3]",
            "truncated": valid[: len(valid) // 2],
            "truncated_one_byte": valid[:-1],
            "trailing_garbage": valid + b"}}",
            "deep_nesting": b"[" * depth + b"]" * depth,
            "deep_nesting_signed": self.seal_raw(
                PeerKind.CONSENSUS,
                b'{"kind":"vote","vote":' + b"[" * depth + b"]" * depth + b"}",
            ),
            "wrong_kind": self.seal(PeerKind.EVIDENCE, {"kind": "status", "height": 1}),
            "wrong_chain": seal_envelope(
                self.key, _random_hash(), PeerKind.CONSENSUS, {"kind": "status", "height": 1}
            ),
            "unknown_message": self.seal(PeerKind.CONSENSUS, {"kind": "teapot"}),
        }
        answers: dict[str, dict[str, int | str]] = {}
        for label, data in samples.items():
            answers[label] = {
                peer: self.post(peer, PeerKind.CONSENSUS, data) for peer in self.peers
            }
        for mib in oversized_mib:
            # A validly signed envelope of mib MiB: its signature is fine, its size is not.
            padding = "a" * (mib * 1024 * 1024)
            body: JsonObject = {"kind": "status", "height": 1, "pad": padding}
            data = seal_envelope(self.key, self.chain_id, PeerKind.CONSENSUS, body)
            label = f"oversized_{mib}_mib"
            answers[label] = {
                peer: self.post(peer, PeerKind.CONSENSUS, data) for peer in self.peers
            }
            del data, padding
        return {"answers": answers}

    def flood(self, count: int) -> Reply:
        """count messages as fast as FLOOD_THREADS connections go: valid votes over many
        rounds, bogus evidence, garbage; spread over the honest nodes."""
        height = self.working_height()
        peers = list(self.peers)
        jobs: list[tuple[str, PeerKind, bytes]] = []
        for index in range(count):
            peer = peers[index % len(peers)]
            choice = index % 4
            if choice == 0:
                signed = self.vote(VoteType.PREVOTE, height, 2 + index, _random_hash())
                data = seal_envelope(
                    self.key, self.chain_id, PeerKind.CONSENSUS, self.vote_body(signed)
                )
                jobs.append((peer, PeerKind.CONSENSUS, data))
            elif choice == 1:
                evidence = self._forged_votes(
                    "zero_signatures", height, 5000 + index, self.key.public_key
                )
                data = seal_envelope(self.key, self.chain_id, PeerKind.EVIDENCE, evidence.to_json())
                jobs.append((peer, PeerKind.EVIDENCE, data))
            elif choice == 2:
                jobs.append((peer, PeerKind.CONSENSUS, os.urandom(256)))
            else:
                status: JsonObject = {"kind": "status", "height": height + index}
                data = seal_envelope(self.key, self.chain_id, PeerKind.CONSENSUS, status)
                jobs.append((peer, PeerKind.CONSENSUS, data))
        started = time.monotonic()
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            answers = Counter(str(a) for a in pool.map(lambda job: self.post(*job), jobs))
        return {"sent": count, "answers": dict(answers), "seconds": time.monotonic() - started}

    def capture(self, path: str, data: bytes) -> None:
        with self._lock:
            self.captured.append((path, data))

    def close(self) -> None:
        self.http.close()
        self.store.close()


@contextlib.contextmanager
def _unchecked_evidence() -> Iterator[None]:
    """Within: this process's contracts record any evidence without checking it (what a
    Byzantine validator's modified software would do); the honest nodes run the real ones."""

    def record_unchecked(
        overlay: StateOverlay, evidence: Evidence, ctx: BlockContext, *_: Any, **__: Any
    ) -> EvidenceRecord:
        record = EvidenceRecord(
            evidence_hash=evidence.hash(),
            offender=evidence.offender,
            height=ctx.height,
            evidence=evidence.to_json(),
        )
        save(overlay, evidence_key(evidence.hash()), record)
        return record

    original = getattr(contracts.execution, _RECORDER)
    setattr(contracts.execution, _RECORDER, record_unchecked)
    try:
        yield
    finally:
        setattr(contracts.execution, _RECORDER, original)


def _captured_vote(
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


def _listener(byzantine: Byzantine) -> ThreadingHTTPServer:
    """Accept what honest nodes send to our port: capture it, answer like a node (202)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            data = self.rfile.read(length)
            if self.path.startswith("/peer/"):
                byzantine.capture(self.path, data)
            self._answer(202, b'{"accepted":true}')

        def do_GET(self) -> None:
            self._answer(404, b'{"error":{"code":"NOT_FOUND"}}')

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((byzantine.config.host, byzantine.config.port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _commands(byzantine: Byzantine) -> dict[str, Callable[[dict[str, Any]], Reply]]:
    return {
        "heights": lambda c: {"heights": byzantine.heights()},
        "equivocate": lambda c: byzantine.equivocate(c["vote_type"]),
        "bogus_evidence": lambda c: byzantine.bogus_evidence(c["variant"]),
        "checkpoint_equivocation": lambda c: byzantine.checkpoint_equivocation(),
        "unsigned_envelope": lambda c: byzantine.unsigned_envelope(),
        "stale_evidence": lambda c: byzantine.stale_evidence(c["recorded"]),
        "double_propose": lambda c: byzantine.double_propose(float(c.get("timeout_s", 30))),
        "propose_bogus_evidence": lambda c: byzantine.propose_bogus_evidence(
            float(c.get("timeout_s", 30))
        ),
        "future_votes": lambda c: byzantine.future_votes(),
        "replay": lambda c: byzantine.replay(),
        "garbage": lambda c: byzantine.garbage(list(c.get("oversized_mib", []))),
        "flood": lambda c: byzantine.flood(int(c["count"])),
    }


def main(argv: list[str]) -> int:
    directory, name = Path(argv[1]), argv[2]
    byzantine = Byzantine(directory, name)
    server = _listener(byzantine)
    commands = _commands(byzantine)
    _reply({"ok": True, "ready": name, "public_key": byzantine.key.public_key.hex()})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            try:
                _reply({"ok": True, **commands[command["op"]](command)})
            except Exception as error:  # answered to the test, which fails on it; we go on
                _reply({"ok": False, "error": f"{type(error).__name__}: {error}"})
    finally:
        server.shutdown()
        byzantine.close()
    return 0


def _reply(value: Reply) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
