"""A single-process chain driver on the example Xiangshan network (genesis/example/parties.py):
it signs txs with the fixed keys and applies them in blocks. The contracts tests
(tests/vectors/contracts/network.py) and scripts/bench_contracts.py drive chains with it;
scripts may not import tests/, so it lives here.

Fixed inputs only (no randomness, no clock), so the same calls give the same bytes on every
run and every machine.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from contracts import BlockContext, MemoryState, Params, committed_nonce
from contracts.transition import execute_block
from genesis.example.parties import (
    BLOCK_INTERVAL_MS,
    CHAIN_ID,
    GENESIS_TIME_MS,
    TX_LIFETIME_MS,
    genesis_writes,
    party_key,
)
from genesis.example.txs import TxSigner
from genesis.example.xiangshan_case import CaseStep, xiangshan_case_steps
from protocol.encoding import encode
from protocol.hashing import sha256
from protocol.results import TxResult
from protocol.signing import PublicKey, SigningKey
from protocol.tx import SignedTx


@dataclass
class ExampleChain:
    """A single-process chain over MemoryState: builds, signs and applies blocks."""

    state: MemoryState = field(default_factory=MemoryState)
    height: int = 0
    time_ms: int = GENESIS_TIME_MS
    pending: dict[PublicKey, int] = field(default_factory=dict)
    log: list[tuple[SignedTx, ...]] = field(default_factory=list)
    signer: TxSigner = field(default_factory=lambda: TxSigner(chain_id=CHAIN_ID))

    @classmethod
    def create(cls, params: Params | None = None) -> Self:
        return cls(state=MemoryState(genesis_writes(params)))

    def build(
        self,
        tx_type: str,
        sender: SigningKey,
        body: Mapping[str, Any],
        cosigners: Iterable[SigningKey] = (),
        *,
        nonce: int | None = None,
    ) -> SignedTx:
        """A signed tx with the sender's next nonce (counting txs built but not applied)."""
        key = sender.public_key
        if nonce is None:
            nonce = max(committed_nonce(self.state, key), self.pending.get(key, 0)) + 1
            self.pending[key] = nonce
        expires_at_ms = self.time_ms + TX_LIFETIME_MS
        return self.signer.sign(
            tx_type, sender, body, cosigners, nonce=nonce, expires_at_ms=expires_at_ms
        )

    def next_context(self) -> BlockContext:
        return BlockContext(
            chain_id=CHAIN_ID, height=self.height + 1, time_ms=self.time_ms + BLOCK_INTERVAL_MS
        )

    def apply(self, txs: Sequence[SignedTx]) -> tuple[TxResult, ...]:
        """Execute one block of txs and commit its writes."""
        ctx = self.next_context()
        transition = execute_block(self.state, ctx, txs, (), tree=None)
        self.state.apply(transition.writes)
        self.height, self.time_ms = ctx.height, ctx.time_ms
        self.pending.clear()
        self.log.append(tuple(txs))
        return transition.results

    def submit(
        self,
        tx_type: str,
        sender: SigningKey,
        body: Mapping[str, Any],
        cosigners: Iterable[SigningKey] = (),
    ) -> TxResult:
        """Build one tx and commit it alone in a block."""
        (result,) = self.apply([self.build(tx_type, sender, body, cosigners)])
        return result

    def submit_step(self, step: CaseStep) -> TxResult:
        """One step of the Xiangshan case, signed by its named parties' example keys."""
        cosigners = tuple(party_key(name) for name in step.cosigners)
        return self.submit(step.tx_type, party_key(step.sender), step.body, cosigners)

    def state_digest(self) -> str:
        """SHA-256 over the sorted (key, value) pairs: equal states have equal digests."""
        return sha256(encode([[k, v.hex()] for k, v in self.state.items()])).hex()


def run_xiangshan_case(chain: ExampleChain) -> tuple[tuple[CaseStep, TxResult], ...]:
    """Commit each step in its own block; returns every step with its TxResult."""
    return tuple((step, chain.submit_step(step)) for step in xiangshan_case_steps())
