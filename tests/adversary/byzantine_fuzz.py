"""Signed structural fuzzing of every peer message kind (hostile pass of stop 51).

From one valid body of each kind the Byzantine validator can send (tests/adversary/
fuzz_cases.py mutates it one field at a time), each case is sealed with the real key, as
node/transport.py seals, and posted to every honest node. Votes and proposals are also
re-signed with edge heights and rounds, so the inner signature verifies over the changed
value. What the honest nodes answered is counted by status; anything 5xx or no answer at
all is listed with its case, for the test to fail on.
"""

import json
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from consensus.messages import (
    BlockPayload,
    BlockRequest,
    CertificatesMessage,
    CommitMessage,
    ProposalMessage,
    SignedProposal,
)
from node.compact_proposals import CompactProposal
from node.peer_envelope import PeerKind
from protocol.encoding import JsonObject, encode
from protocol.errors import ProtocolError
from protocol.evidence import ConflictingCheckpointEvidence, DuplicateVoteEvidence
from protocol.hashing import Hash32, sha256
from protocol.note import checkpoint_at_height, format_signed_note, sign_note
from protocol.votes import Proposal, SignedVote, Vote, VoteType, sign_vote
from tests.adversary.byzantine_peer import FLOOD_THREADS, ByzantinePeer, Reply
from tests.adversary.fuzz_cases import EDGE_INTEGERS, Case, chosen

KINDS: dict[str, PeerKind] = {
    "prevote": PeerKind.CONSENSUS,
    "precommit": PeerKind.CONSENSUS,
    "proposal": PeerKind.CONSENSUS,
    "commit": PeerKind.CONSENSUS,
    "status": PeerKind.CONSENSUS,
    "block_request": PeerKind.CONSENSUS,
    "block_payload": PeerKind.CONSENSUS,
    "certificates": PeerKind.CONSENSUS,
    "compact_proposal": PeerKind.PROPOSAL,
    "txs": PeerKind.TXS,
    "tx_ids": PeerKind.TX_IDS,
    "tx_want": PeerKind.TX_WANT,
    "checkpoint": PeerKind.CHECKPOINT,
    "duplicate_vote_evidence": PeerKind.EVIDENCE,
    "checkpoint_evidence": PeerKind.EVIDENCE,
}
"""Every body the Byzantine validator can send, by name, and the route it goes to."""
FAILED_LISTED_MAX = 50
EDGE_BLOCK = Hash32(bytes(32))
EDGE_PAYLOAD = b'{"evidence":[],"header":{},"txs":[]}'
"""A shell-shaped payload (it ends as a compact proposal's shell must) for edge proposals."""


class FuzzAttacks(ByzantinePeer):
    """fuzz: seeded cases of every kind, sealed and posted to every honest node."""

    def _bodies(self, seed: int, tx: JsonObject) -> dict[str, JsonObject]:
        """The valid body of each kind, at our chain copy's head (hashes from seed)."""
        rng = random.Random(seed)

        def digest() -> Hash32:
            return Hash32(rng.randbytes(32))

        head = self.sync()
        height = head + 1
        block = self.store.get_block(head)
        certificate = self.ledger.certificate(head)
        assert block is not None and certificate is not None, head
        vote = self.vote(VoteType.PREVOTE, height, 0, digest())
        payload = b'{"evidence":[],"header":{},"txs":[]}'
        proposal = self.proposal(height, 0, payload, Hash32(sha256(payload)))
        proposal_message = ProposalMessage.from_json(proposal)
        size = height + 1
        note = checkpoint_at_height(chain_id=self.chain_id, height=head, root_hash=digest())
        line = sign_note(note.body(), self.name, self.key)
        notes = sorted(
            format_signed_note(text.body(), [sign_note(text.body(), self.name, self.key)])
            for text in (
                checkpoint_at_height(chain_id=self.chain_id, height=head, root_hash=digest())
                for _ in range(2)
            )
        )
        made: dict[str, JsonObject] = {
            "prevote": self.vote_body(vote),
            "precommit": self.vote_body(self.vote(VoteType.PRECOMMIT, height, 0, digest())),
            "proposal": proposal,
            "commit": CommitMessage(certificate=certificate, payload=block).to_json(),
            "status": {"kind": "status", "height": height},
            "block_request": BlockRequest(height=height, block_hash=digest()).to_json(),
            "block_payload": BlockPayload(
                height=height, block_hash=Hash32(sha256(payload)), payload=payload
            ).to_json(),
            "certificates": CertificatesMessage(
                certificates=(certificate,), votes=(vote,)
            ).to_json(),
            "compact_proposal": CompactProposal(
                signed=proposal_message.signed,
                shell=b'{"evidence":[],"header":{},"txs":[]}',
                leaves=(digest(), digest()),
            ).to_json(),
            "txs": {"txs": [tx]},
            "tx_ids": {"tx_ids": [digest().hex(), digest().hex()]},
            "tx_want": {"tx_ids": [digest().hex(), digest().hex()]},
            "checkpoint": {"size": size, "root": digest().hex(), "line": line.line()},
            "duplicate_vote_evidence": DuplicateVoteEvidence.create(
                self.vote(VoteType.PREVOTE, head, 7, digest()),
                self.vote(VoteType.PREVOTE, head, 7, None),
            ).to_json(),
            "checkpoint_evidence": ConflictingCheckpointEvidence(
                signer=self.key.public_key, size=head + 1, note_a=notes[0], note_b=notes[1]
            ).to_json(),
        }
        return made

    def _resigned(self, height: int) -> list[tuple[str, Case]]:
        """Votes, proposals (whole and compact), our own duplicate-vote evidence and
        checkpoint lines with an edge height, round, POL round or size, signed over it."""
        cases: list[tuple[str, Case]] = []
        for name, number in EDGE_INTEGERS.items():
            for field in ("height", "round"):
                label = f"resigned:{field}={name}"
                values = {"height": height, "round": 0, field: number}
                votes = [self._edge_vote(vote_type, values) for vote_type in VoteType]
                cases += [(v.vote.type.value, Case(label, self.vote_body(v))) for v in votes]
                nil = self._edge_vote(VoteType.PREVOTE, values, block=None)
                evidence = DuplicateVoteEvidence.create(votes[0], nil).to_json()
                cases.append(("duplicate_vote_evidence", Case(label, evidence)))
            for field in ("height", "round", "pol_round"):
                label = f"resigned:{field}={name}"
                values = {"height": height, "round": 0, "pol_round": -1, field: number}
                cases += [(kind, Case(label, body)) for kind, body in self._edge_proposals(values)]
            line = self._edge_checkpoint_line(number)
            if line is not None:
                cases.append(("checkpoint", Case(f"resigned:size={name}", line)))
        return cases

    def _edge_vote(
        self, vote_type: VoteType, values: dict[str, int], block: Hash32 | None = EDGE_BLOCK
    ) -> SignedVote:
        vote = Vote(type=vote_type, chain_id=self.chain_id, block_hash=block, **values)
        return sign_vote(vote, self.key)

    def _edge_proposals(self, values: dict[str, int]) -> list[tuple[str, JsonObject]]:
        """A proposal of values, signed, as a whole proposal and as a compact one."""
        proposal = Proposal(
            chain_id=self.chain_id, block_hash=Hash32(sha256(EDGE_PAYLOAD)), **values
        )
        signed = SignedProposal(
            proposal=proposal,
            proposer=self.key.public_key,
            signature=self.key.sign(proposal.sign_bytes()),
        )
        compact = CompactProposal(signed=signed, shell=EDGE_PAYLOAD, leaves=(EDGE_BLOCK,))
        whole = ProposalMessage(signed=signed, payload=EDGE_PAYLOAD)
        return [("proposal", whole.to_json()), ("compact_proposal", compact.to_json())]

    def _edge_checkpoint_line(self, size: int) -> JsonObject | None:
        """A checkpoint signature line of ours for size (None below 1: no checkpoint text
        of such a size can be written, protocol.note.checkpoint_at_height)."""
        if size < 1:
            return None
        note = checkpoint_at_height(chain_id=self.chain_id, height=size - 1, root_hash=EDGE_BLOCK)
        line = sign_note(note.body(), self.name, self.key).line()
        return {"size": size, "root": EDGE_BLOCK.hex(), "line": line}

    def _sealed(self, kind: PeerKind, case: Case) -> bytes:
        """The case's envelope, signed; a value encode() refuses (too deep once in the
        envelope) goes as the plain bytes json writes of it."""
        if case.raw is None:
            try:
                return self.seal_unkept(kind, case.value)  # type: ignore[arg-type]
            except ProtocolError:
                raw = json.dumps(case.value, separators=(",", ":"), sort_keys=True).encode()
                return self.seal_raw(kind, raw)
        return self.seal_raw(kind, case.raw)

    def fuzz(self, seed: int, first: int, count: int, tx: JsonObject) -> Reply:
        """Cases first to first + count of the order seed shuffles every case into (the
        re-signed ones too when first is 0), each posted to every honest node. Returns
        the answers by status, the cases answered 5xx or not at all (status or error
        name; at most FAILED_LISTED_MAX of them) and how many cases there are in all."""
        bodies = self._bodies(seed, tx)
        every = chosen(bodies, seed)
        cases = every[first : first + count]
        if first == 0:
            cases += self._resigned(self.ledger.height + 1)
        answers: Counter[str] = Counter()
        failed: list[str] = []
        lock = threading.Lock()

        def send(item: tuple[str, Case]) -> None:
            name, case = item
            kind = KINDS[name]
            data = self._sealed(kind, case)
            for peer in self.peers:
                status = self.post(peer, kind, data)
                if not isinstance(status, int):
                    # Once more: a kept-alive connection the node closed as we reused it
                    # (seen once in ~5,000 posts) is not a refusal; a second no-answer is.
                    with lock:
                        answers[f"retried after {status}"] += 1
                    status = self.post(peer, kind, data)
                with lock:
                    answers[str(status)] += 1
                    if not isinstance(status, int) or status >= 500:
                        failed.append(f"{peer} {name} {case.label}: {status}")

        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            list(pool.map(send, cases))
        return {
            "cases": len(cases),
            "total": len(every),
            "answers": dict(answers),
            "failed": failed[:FAILED_LISTED_MAX],
            "failed_count": len(failed),
            "body_bytes": sum(len(encode(body)) for body in bodies.values()),
        }
