"""Proposals sent as their block's shell and its txs' leaf hashes (ADR 0036).

Every validator already holds nearly every tx of a proposal: clients send each tx to every
validator, and what one admitted alone reaches the others by announcement (ADR 0018). The
whole block in a proposal (~1.7 MB of hex for 1,000 txs) therefore cost the proposer a
seal over it (Ed25519 hashes the envelope twice: ~8 ms, on its event loop) and each
follower a check, a decode and a hex conversion (~6 ms) for bytes it had. A compact
proposal carries the block's bytes without its txs (the shell, ending in `"txs":[]}`) and
the RFC 9162 leaf hash of each tx (SHA-256 of 0x00 || its canonical bytes, the tx_root's
leaves), ~65 KB. A leaf hash names one exact copy of a tx, signatures included, so a
follower that holds a tx with that leaf hash holds the very bytes the proposer put in the
block, and rebuilds the block's payload byte for byte:

    payload = shell[:-2] || tx_1 || "," || ... || "," || tx_n || "]}"

Nothing about consensus changes: the rebuilt payload enters the engine as the
ProposalMessage the proposer signed, authenticated by its block hash as any payload is;
a shell or leaf list that does not rebuild the proposer's block is a payload that fails
its hash or its validation, as a bad full payload would. A follower missing any tx asks
the proposer for the block (a BlockRequest, answered with the full proposal), and a peer
that does not know compact proposals (an older build answers 404 on /peer/proposal) gets
the full one (node/transport.py): a rolling upgrade needs no flag day.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from consensus.messages import BlockRequest, Payload, ProposalMessage, SignedProposal
from protocol.block import BLOCK_TXS_MAX, Block
from protocol.codec import HASH, JsonCodec, items
from protocol.errors import FieldTypeError
from protocol.hashing import Hash32
from protocol.tx import SignedTx
from protocol.votes import SignedVote

SHELL_END = b',"txs":[]}'
"""How a block's canonical bytes end when it has no txs: txs is the last key in JCS order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CompactProposal(JsonCodec, what="compact proposal"):
    """A signed proposal whose payload travels as its shell and its txs' leaf hashes."""

    signed: SignedProposal
    shell: Payload
    """JCS(block) with an empty txs array (the block's evidence and header, as they are)."""
    leaves: Annotated[tuple[Hash32, ...], items(HASH, max_items=BLOCK_TXS_MAX)]
    pol_votes: tuple[SignedVote, ...] = ()

    def __post_init__(self) -> None:
        if not self.shell.endswith(SHELL_END):
            raise FieldTypeError(f"shell: does not end with {SHELL_END.decode()}")

    @property
    def height(self) -> int:
        return self.signed.proposal.height


def compact_of(message: ProposalMessage, block: Block) -> CompactProposal | None:
    """message as a compact proposal, block being its payload's block; None when the
    payload is not laid out as block's canonical bytes (then only the full one is sent)."""
    txs = b",".join(tx.canonical_bytes() for tx in block.txs)
    payload = message.payload
    if not payload.endswith(txs + b"]}"):
        return None
    prefix = payload[: len(payload) - len(txs) - 2]
    if not prefix.endswith(SHELL_END[:-2]):
        return None
    return CompactProposal(
        signed=message.signed,
        shell=prefix + b"]}",
        leaves=tuple(tx.leaf_hash() for tx in block.txs),
        pol_votes=message.pol_votes,
    )


def block_request(compact: CompactProposal) -> BlockRequest:
    """What a node that cannot rebuild compact asks its sender for: the whole block."""
    proposal = compact.signed.proposal
    return BlockRequest(height=proposal.height, block_hash=proposal.block_hash)


def expand(
    compact: CompactProposal, held: Callable[[Hash32], SignedTx | None]
) -> ProposalMessage | list[Hash32]:
    """The full proposal, its payload rebuilt from the txs held (held: a leaf hash's tx,
    or None); else the leaf hashes not held."""
    found = [held(leaf) for leaf in compact.leaves]
    missing = [leaf for leaf, tx in zip(compact.leaves, found, strict=True) if tx is None]
    if missing:
        return missing
    txs = b",".join(tx.canonical_bytes() for tx in found if tx is not None)
    return with_payload(compact, compact.shell[:-2] + txs + b"]}")


def with_payload(compact: CompactProposal, payload: bytes) -> ProposalMessage:
    """The full proposal compact stands for, with payload as its block's bytes (rebuilt,
    or held already: the engine checks it hashes to the signed block either way)."""
    return ProposalMessage(signed=compact.signed, payload=payload, pol_votes=compact.pol_votes)
