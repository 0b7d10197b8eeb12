"""A block built on a test ledger and the signed proposal carrying it."""

from consensus import ProposalMessage, SignedProposal
from node.ledger import Ledger, PreparedBlock
from protocol.tx import SignedTx
from protocol.votes import Proposal
from tests.unit.node.chain_kit import CHAIN_ID, VALIDATOR_KEYS, next_time

PROPOSER = VALIDATOR_KEYS[0]


def built(ledger: Ledger, txs: tuple[SignedTx, ...]) -> PreparedBlock:
    return ledger.build(
        txs=txs, evidence=(), time_ms=next_time(ledger), proposer=PROPOSER.public_key
    )


def proposal_of(prepared: PreparedBlock, height: int | None = None) -> ProposalMessage:
    """The proposal of prepared's block at round 0 (at height: another height's claim)."""
    proposal = Proposal(
        chain_id=CHAIN_ID,
        height=prepared.block.header.height if height is None else height,
        round=0,
        block_hash=prepared.block_hash,
        pol_round=-1,
    )
    signed = SignedProposal(
        proposal=proposal,
        proposer=PROPOSER.public_key,
        signature=PROPOSER.sign(proposal.sign_bytes()),
    )
    return ProposalMessage(signed=signed, payload=prepared.payload)
