"""Floods against the engine's and the evidence pool's per-validator bounds (stop 47), each
message validly signed with the Byzantine's real key, sent as node/transport.py sends:

- late votes of the height the honest nodes just decided, for many rounds
  (consensus/intake.py _check_late_vote, the future-round budget above the decided round);
- votes of rounds far below the round a replica is in (PAST_ROUNDS_PER_VALIDATOR);
- proposals and votes for the next height, a full buffer's worth and more (_buffer_future);
- conflicting votes of its own, as evidence, at many rounds (node/evidence_pool.py
  offender_items_max), and a real equivocation signed with another validator's key.
"""

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from consensus.fork_evidence import certified_votes
from genesis.keystore import read_keystore, unlock_keystore
from genesis.network import PASSPHRASE_FILE
from node.ledger import block_hash_of_payload
from node.peer_envelope import PeerKind, seal_envelope
from protocol.encoding import encode
from protocol.evidence import DuplicateVoteEvidence
from protocol.hashing import Hash32, sha256
from protocol.signing import SigningKey
from protocol.votes import Vote, VoteType, precommit, sign_vote
from tests.adversary.byzantine_asks import AskAttacks
from tests.adversary.byzantine_peer import FLOOD_THREADS, FloodPoster, Reply, random_hash

Message = tuple[str | None, PeerKind, bytes]
"""(peer, kind, sealed envelope) of one flood message; a None peer is every honest node."""
HEAD_REFRESH = 200
"""Messages between two reads of the honest head while a flood follows it."""


class BoundAttacks(AskAttacks):
    """Floods of validly signed messages, each aimed at one bound."""

    def _flood(self, count: int, make: Callable[[int], Message]) -> Reply:
        """count messages, message i made (signed) and posted by one of FLOOD_THREADS
        workers; a None peer goes to every honest node. Returns what they answered."""
        answers: Counter[str] = Counter()
        lock = threading.Lock()
        numbers: Iterator[int] = itertools.count()

        def worker() -> None:
            poster = FloodPoster(self)
            try:
                while True:
                    with lock:
                        index = next(numbers)
                    if index >= count:
                        return
                    peer, kind, data = make(index)
                    for target in self.peers if peer is None else [peer]:
                        status = str(poster.post(target, kind, data))
                        with lock:
                            answers[status] += 1
            finally:
                poster.close()

        started = time.monotonic()
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            for future in [pool.submit(worker) for _ in range(FLOOD_THREADS)]:
                future.result()
        return {"sent": count, "answers": dict(answers), "seconds": time.monotonic() - started}

    def _followed_head(self) -> Callable[[int], int]:
        """The honest head, read again every HEAD_REFRESH calls (index = message number)."""
        head = [self.working_height() - 1]
        lock = threading.Lock()

        def at(index: int) -> int:
            if index % HEAD_REFRESH == 0 and index:
                fresh = self.working_height() - 1
                with lock:
                    head[0] = max(head[0], fresh)
            return head[0]

        return at

    def _vote_envelope(self, height: int, round_number: int, vote_type: VoteType) -> bytes:
        signed = self.vote(vote_type, height, round_number, random_hash())
        return seal_envelope(self.key, self.chain_id, PeerKind.CONSENSUS, self.vote_body(signed))

    def late_votes(self, count: int) -> Reply:
        """count votes (prevotes and precommits in turn) of the honest nodes' head, the
        height they just decided, each for a new round: without the bound each was kept in
        the previous height's tally until the next decision."""
        head = self._followed_head()

        def make(index: int) -> Message:
            kind = VoteType.PREVOTE if index % 2 == 0 else VoteType.PRECOMMIT
            return None, PeerKind.CONSENSUS, self._vote_envelope(head(index), index // 2, kind)

        return {**self._flood(count, make), "head": head(0)}

    def low_round_votes(self, peer: str, height: int, top_round: int, count: int) -> Reply:
        """count votes of height to one peer, for rounds from top_round - 2 down (two per
        round): the rounds more than one below a replica in top_round."""

        def make(index: int) -> Message:
            kind = VoteType.PREVOTE if index % 2 == 0 else VoteType.PRECOMMIT
            round_number = max(0, top_round - 2 - index // 2)
            return peer, PeerKind.CONSENSUS, self._vote_envelope(height, round_number, kind)

        return self._flood(count, make)

    def low_round_proposals(
        self, peer: str, height: int, top_round: int, count: int, payload_kib: int
    ) -> Reply:
        """Our proposals of height to one peer, for count of the rounds below top_round - 1
        we propose in, each of a block of its own (our head's header at another time_ms)
        padded to payload_kib KiB: it hashes to its block, so a replica that kept proposals
        of rounds below its own held every payload (and asked for each to be executed)."""
        header = self.ledger.head().to_json()
        assert isinstance(header, dict)
        time_ms = header["time_ms"]
        assert isinstance(time_ms, int)
        padding = b"x" * (payload_kib * 1024)
        validators = self.validators()
        rounds = [
            r
            for r in range(top_round - 2, -1, -1)
            if validators.proposer(height, r).public_key == self.key.public_key
        ][:count]
        statuses: Counter[str] = Counter()
        for index, round_number in enumerate(rounds):
            header["time_ms"] = time_ms + 1 + index
            payload = b'{"evidence":[],"header":%s,"txs":["%s"]}' % (encode(header), padding)
            block = block_hash_of_payload(payload)
            assert block is not None
            body = self.proposal(height, round_number, payload, block)
            data = seal_envelope(self.key, self.chain_id, PeerKind.CONSENSUS, body)
            statuses[str(self.post(peer, PeerKind.CONSENSUS, data))] += 1
        return {"sent": len(rounds), "answers": dict(statuses)}

    def lead_round(self, peer: str, height: int, round_number: int) -> Reply:
        """A precommit of (height, R) to one peer, R the first round from round_number that
        peer proposes in: a validator alone ahead, which a replica whose other peers are
        silent follows (rounds.catch_up), into a round it can decide in once they return.

        A precommit, not a prevote: a prevote (for a random block) beside the peer's own
        made the 2f+1 prevotes of line 34 at n=3, so the peer precommitted nil in R and R
        could no longer decide. The two honest validators then decided two or three rounds
        later, each round at the 10 s step cap: ~35 s when R+1 was the Byzantine's round
        (silent), ~12 s when it was the returning one's, by the random keys' order. A
        precommit is not a prevote, so the peer waits in R's prevote step for the others,
        and its proposal (retransmitted) decides R with the validator that returns."""
        validators = self.validators()
        target = round_number
        while validators.proposer(height, target).name != peer:
            target += 1
        lead = self._vote_envelope(height, target, VoteType.PRECOMMIT)
        self.post(peer, PeerKind.CONSENSUS, lead)
        return {"height": height, "round": target}

    def next_height_flood(self, count: int, payload_kib: int) -> Reply:
        """count messages for the height after the one the honest nodes decide: every fourth
        a proposal with a payload of payload_kib KiB (it hashes to its block, so it is
        only refused once that height starts and its proposer is checked), the others votes.
        Unverified while buffered: one validator's could fill the whole buffer."""
        head = self._followed_head()
        padding = b"x" * (payload_kib * 1024)

        def make(index: int) -> Message:
            height = head(index) + 2
            if index % 4 == 0:
                payload = padding + index.to_bytes(8, "big")
                body = self.proposal(height, index, payload, Hash32(sha256(payload)))
                data = seal_envelope(self.key, self.chain_id, PeerKind.CONSENSUS, body)
                return None, PeerKind.CONSENSUS, data
            kind = VoteType.PREVOTE if index % 2 else VoteType.PRECOMMIT
            return None, PeerKind.CONSENSUS, self._vote_envelope(height, index % 3, kind)

        return self._flood(count, make)

    def self_evidence(self, count: int) -> Reply:
        """count items of duplicate-vote evidence against ourselves, each a real offence (two
        conflicting prevotes we signed, of the head at a round of its own): each passes
        check_evidence, so only the pool's share per offender holds them back."""
        head = self._followed_head()

        def make(index: int) -> Message:
            height = head(index)
            first = self.vote(VoteType.PREVOTE, height, 100 + index, random_hash())
            second = self.vote(VoteType.PREVOTE, height, 100 + index, None)
            evidence = DuplicateVoteEvidence.create(first, second).to_json()
            return (
                None,
                PeerKind.EVIDENCE,
                seal_envelope(self.key, self.chain_id, PeerKind.EVIDENCE, evidence),
            )

        return self._flood(count, make)

    def foreign_equivocation(self, name: str) -> Reply:
        """Two conflicting prevotes signed with validator name's real key (a second process
        running its key, say), for a round nobody votes in, sent as evidence: what a
        flooding validator must not crowd out of the pool."""
        key = _validator_key(self, name)
        height = self.working_height() - 1
        votes = [
            sign_vote(
                Vote(
                    type=VoteType.PREVOTE,
                    chain_id=self.chain_id,
                    height=height,
                    round=9,
                    block_hash=block,
                ),
                key,
            )
            for block in (random_hash(), None)
        ]
        evidence = DuplicateVoteEvidence.create(votes[0], votes[1])
        self.send(PeerKind.EVIDENCE, evidence.to_json())
        return {"evidence_hash": evidence.hash().hex(), "offender": key.public_key.hex()}

    def old_precommit(self, name: str, behind: int) -> Reply:
        """A second precommit signed with validator name's real key for a height `behind`
        below the head, in the round of that height's certificate (which holds name's
        first), for another block: amnesia after the fact, sent as a plain consensus vote
        (hostile pass of stop 50). The evidence a node holding the certificate can form."""
        key = _validator_key(self, name)
        height = self.sync() - behind
        certificate = self.ledger.certificate(height)
        assert certificate is not None, height
        (first,) = [
            vote
            for vote in certified_votes(certificate, self.chain_id)
            if vote.validator == key.public_key
        ]
        second = sign_vote(precommit(self.chain_id, height, certificate.round, random_hash()), key)
        self.send(PeerKind.CONSENSUS, self.vote_body(second))
        evidence = DuplicateVoteEvidence.create(first, second)
        return {"height": height, "evidence_hash": evidence.hash().hex()}


def _validator_key(peer: BoundAttacks, name: str) -> SigningKey:
    node_dir = peer.directory / name
    passphrase = (node_dir / PASSPHRASE_FILE).read_bytes().rstrip(b"\r\n")
    return unlock_keystore(read_keystore(node_dir), passphrase)
