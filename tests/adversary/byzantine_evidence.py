"""Evidence attacks: real equivocations the honest nodes must prove, and evidence that must
never be recorded (forged, framed, cross-chain, unsigned, stale), all in signed envelopes."""

import json
import os

from node.peer_envelope import PeerKind
from protocol.encoding import JsonObject, encode
from protocol.evidence import ConflictingCheckpointEvidence, DuplicateVoteEvidence, Evidence
from protocol.note import Checkpoint as NoteCheckpoint
from protocol.note import checkpoint_at_height, checkpoint_origin, format_signed_note, sign_note
from protocol.signing import PublicKey
from protocol.votes import SignedVote, Vote, VoteType, sign_vote
from tests.adversary.byzantine_peer import ByzantinePeer, Reply, random_hash


class EvidenceAttacks(ByzantinePeer):
    """Evidence sent in validly signed envelopes; the honest nodes decide what to record."""

    def equivocate(self, vote_type: str) -> Reply:
        """Two conflicting votes of one type for one (height, round), both really signed.

        Every honest node gets both (in opposite orders), so each can prove the offence.
        """
        kind = VoteType(vote_type)
        height = self.working_height()
        first = self.vote(kind, height, 0, random_hash())
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
        for root in (random_hash(), random_hash()):
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
            first = self.vote(VoteType.PREVOTE, height, 0, random_hash())
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
        other_chain = random_hash()
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
            for block in (random_hash(), None)
        )
        return DuplicateVoteEvidence.create(first, second)

    def _forged_votes(
        self, variant: str, height: int, round_number: int, honest: PublicKey
    ) -> Evidence:
        votes = []
        for block in (random_hash(), None):
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
            chain_id=self.chain_id, height=size - 1, root_hash=random_hash()
        )
        other = NoteCheckpoint(
            origin=checkpoint_origin(random_hash()), size=size, root_hash=random_hash()
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
        first = self.vote(VoteType.PREVOTE, height, 0, random_hash())
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
        first = self.vote(VoteType.PREVOTE, 1, 0, random_hash())
        second = self.vote(VoteType.PREVOTE, 1, 0, None)
        old = DuplicateVoteEvidence.create(first, second)
        for body in [*recorded, old.to_json()]:
            self.send(PeerKind.EVIDENCE, body)
        return {"old_height_hash": old.hash().hex()}
