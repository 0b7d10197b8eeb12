"""Precommits of heights decided before the last one, against the stored certificates.

The engine keeps the votes of the height it works on and of the one before
(consensus/intake.py): a validator that signs a second, conflicting precommit for an older
height (amnesia after the fact) reached nobody's tally, and was never named (stop 50). The
node still holds that validator's signature for the slot: the certificate of the height.
A conflicting precommit in the certificate's round is DuplicateVoteEvidence, the same that
consensus/fork_evidence.py derives from two certificates. Bounds: heights within the
evidence pool's window (EVIDENCE_AGE_MAX); the certificates read last are kept
(CERTIFICATES_KEPT), so a sender replaying one height costs one store read; a vote is
verified (one Ed25519 check, through the ledger's signature cache) only when it conflicts
with its slot in the certificate; one piece of evidence per validator and height. A
sender's votes themselves are bounded by its byte budget (node/peer_budget.py).
"""

import threading
from collections import Counter, OrderedDict

from consensus.fork_evidence import certified_votes, conflicting_votes_evidence
from node.evidence_pool import EVIDENCE_AGE_MAX
from node.ledger import Ledger
from protocol.evidence import DuplicateVoteEvidence
from protocol.signing import PublicKey
from protocol.votes import CommitCertificate, SignedVote, VoteType

CERTIFICATES_KEPT = 64
"""Certificates of old heights kept after a read (each a few hundred bytes per validator)."""
NAMED_KEPT = 4096
"""(validator, height) pairs already named here: a validator's further conflicting
precommits of that height cost no signature check."""


class OldPrecommits:
    """Evidence from precommits of heights below the last decided one; thread-safe (called
    on the thread that opens consensus envelopes)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._certificates: OrderedDict[int, CommitCertificate | None] = OrderedDict()
        self._named: OrderedDict[tuple[PublicKey, int], None] = OrderedDict()
        self._lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()
        """By outcome: certificate_read (from the store), evidence (formed), bad_signature."""

    def evidence(self, signed: SignedVote) -> DuplicateVoteEvidence | None:
        """DuplicateVoteEvidence when signed is a precommit of an old height (below the
        ledger's head, within EVIDENCE_AGE_MAX) that conflicts with its validator's
        precommit in that height's certificate, verified; else None."""
        vote = signed.vote
        head = self._ledger.height
        old = head - EVIDENCE_AGE_MAX <= vote.height < head
        if vote.type is not VoteType.PRECOMMIT or not old:
            return None
        if vote.chain_id != self._ledger.chain_id:
            return None
        certificate = self._certificate(vote.height)
        if certificate is None or certificate.round != vote.round:
            return None
        found = conflicting_votes_evidence(
            certified_votes(certificate, self._ledger.chain_id), [signed]
        )
        if not found or not self._first_naming(signed.validator, vote.height):
            return None
        if not signed.verify(self._ledger.verify):
            with self._lock:
                self._named.pop((signed.validator, vote.height), None)
                self.outcomes["bad_signature"] += 1
            return None
        with self._lock:
            self.outcomes["evidence"] += 1
        return found[0]

    def _certificate(self, height: int) -> CommitCertificate | None:
        with self._lock:
            if height in self._certificates:
                self._certificates.move_to_end(height)
                return self._certificates[height]
        certificate = self._ledger.certificate(height)
        with self._lock:
            self.outcomes["certificate_read"] += 1
            self._certificates[height] = certificate
            if len(self._certificates) > CERTIFICATES_KEPT:
                self._certificates.popitem(last=False)
        return certificate

    def _first_naming(self, validator: PublicKey, height: int) -> bool:
        """Whether validator is not yet named for height here (and now is)."""
        with self._lock:
            if (validator, height) in self._named:
                return False
            self._named[(validator, height)] = None
            if len(self._named) > NAMED_KEPT:
                self._named.popitem(last=False)
            return True
