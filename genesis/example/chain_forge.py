"""In-memory certified chains on the local network plan, for the audit tests and the replay
benchmark (scripts/bench_audit.py, which may not import tests/).

Keys come from the example seeds (genesis/example/parties.py), blocks are executed by the
replay the auditor uses too (contracts/replay.py), and certificates are signed by the
validators' keys, so honest chains verify and forged ones (another block at a height,
altered state writes, short or duplicated certificates) are exactly as a dishonest node
would serve them: ForgedBlock.answer is a node's GET /v1/blocks/{h} answer. Pure builders:
no I/O, no clock; examples and tests only, never a real chain.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contracts.replay import ChainReplay
from contracts.state_tree import update_state_tree
from contracts.validator_sets import next_validator_set
from genesis.document import Genesis, build_genesis
from genesis.example.parties import genesis_accounts, party_key
from genesis.example.txs import TxSigner, attest_body
from genesis.keystore import KeyIdentity
from genesis.network import (
    document_from_plans,
    local_network_plan,
)
from protocol.block import Block, BlockHeader, evidence_root, results_root, tx_root
from protocol.encoding import JsonObject
from protocol.hashing import Hash32
from protocol.log import MemoryLogStore, MerkleLog
from protocol.note import checkpoint_at_height, format_signed_note, sign_note
from protocol.results import TxResult
from protocol.signing import SigningKey
from protocol.smt_store import BranchSmtStore
from protocol.tx import PROTOCOL_VERSION, SignedTx
from protocol.votes import precommit

GENESIS_TIME_MS = 1_700_000_000_000
BLOCK_MS = 1_000
TX_EXPIRES_AT_MS = GENESIS_TIME_MS + 10**9


def raw_certificate(
    chain_id: Hash32, header: BlockHeader, keys: Sequence[SigningKey], *, round_number: int = 0
) -> JsonObject:
    """A commit certificate's JSON as a node would serve it, one signature per key in the
    order given (duplicates kept): it may break the rules a CommitCertificate enforces."""
    vote = precommit(chain_id, header.height, round_number, header.block_hash())
    message = vote.sign_bytes()
    return {
        "height": header.height,
        "round": round_number,
        "block_hash": header.block_hash().hex(),
        "signatures": [
            {"validator": key.public_key.hex(), "signature": key.sign(message).hex()}
            for key in keys
        ],
    }


def make_genesis(validator_count: int = 3) -> Genesis:
    plans = local_network_plan(validator_count)
    identities = [
        (
            plan,
            KeyIdentity(
                name=plan.name,
                roles=tuple(sorted(plan.roles, key=lambda role: role.value)),
                public_key=party_key(plan.name).public_key,
            ),
        )
        for plan in plans
    ]
    document = document_from_plans(
        identities,
        chain_name=f"lantan-audit-tests-{validator_count}",
        genesis_time_ms=GENESIS_TIME_MS,
        accounts=genesis_accounts(),
    )
    return build_genesis(document)


@dataclass(frozen=True, slots=True, kw_only=True)
class ForgedBlock:
    """A block, the results execution gave, and a certificate as served (raw JSON)."""

    block: Block
    results: tuple[TxResult, ...]
    certificate: JsonObject

    def answer(self, certificate: JsonObject | None = None) -> JsonObject:
        """What a node answers to GET /v1/blocks/{h} for it, with another certificate if
        given."""
        return {
            "block": self.block.to_json(),
            "certificate": self.certificate if certificate is None else certificate,
            "results": [r.to_json() for r in self.results],
        }


class ChainForge:
    """Builds a certified chain on top of genesis; forged variants are built beside it."""

    def __init__(self, validator_count: int = 3) -> None:
        self.genesis = make_genesis(validator_count)
        self.chain_id = self.genesis.chain_id
        self.replay = ChainReplay(self.chain_id, self.genesis.state)
        assert self.replay.genesis_state_root == self.genesis.header.state_root
        self.log = MerkleLog(MemoryLogStore())
        self.log.append(self.genesis.header.canonical_bytes())
        self.head = self.genesis.header
        self.blocks: list[ForgedBlock] = []
        self._signer = TxSigner(chain_id=self.chain_id, expires_at_ms=TX_EXPIRES_AT_MS)

    @property
    def validator_keys(self) -> list[SigningKey]:
        members = next_validator_set(self.replay.state).validators
        return [party_key(member.name) for member in members]

    @property
    def quorum(self) -> int:
        return next_validator_set(self.replay.state).quorum

    def attest(self, policy_id: str, sender: str = "ningbo-ptc") -> SignedTx:
        return self.tx("insurance.attest", sender, attest_body(policy_id))

    def tx(
        self, tx_type: str, sender: str, body: JsonObject, cosigners: Sequence[str] = ()
    ) -> SignedTx:
        """A signed tx with the sender's next nonce (counted locally)."""
        cosigning = [party_key(name) for name in cosigners]
        return self._signer.sign(tx_type, party_key(sender), body, cosigning)

    def build(
        self,
        txs: Sequence[SignedTx] = (),
        *,
        time_step_ms: int = BLOCK_MS,
        extra_writes: Mapping[str, bytes] | None = None,
        signers: Sequence[SigningKey] | None = None,
    ) -> ForgedBlock:
        """The next block on the head (not appended). extra_writes alter the state the
        header's state_root commits to, as a dishonest proposer would."""
        height, time_ms = self.head.height + 1, self.head.time_ms + time_step_ms
        zero = Hash32(bytes(32))
        draft = self._header(
            height=height,
            time_ms=time_ms,
            txs=txs,
            results=(),
            state_root=zero,
            next_validators_hash=zero,
        )
        # The draft's zero roots are problems of course; only the execution is wanted.
        execution, _ = self.replay.execute(Block(header=draft, txs=tuple(txs), evidence=()))
        assert execution is not None and execution.state_root is not None
        state_root = execution.state_root
        if extra_writes:
            assert self.replay.smt is not None
            branch = BranchSmtStore(self.replay.smt, self.head.height)
            state_root = update_state_tree(branch, height, {**execution.writes, **extra_writes})
        header = self._header(
            height=height,
            time_ms=time_ms,
            txs=txs,
            results=execution.results,
            state_root=state_root,
            next_validators_hash=execution.next_validators.hash(),
        )
        block = Block(header=header, txs=tuple(txs), evidence=())
        keys = self.validator_keys[: self.quorum] if signers is None else signers
        return ForgedBlock(
            block=block, results=execution.results, certificate=self.certify(block, keys)
        )

    def _header(
        self,
        *,
        height: int,
        time_ms: int,
        txs: Sequence[SignedTx],
        results: Sequence[TxResult],
        state_root: Hash32,
        next_validators_hash: Hash32,
    ) -> BlockHeader:
        return BlockHeader(
            protocol_version=PROTOCOL_VERSION,
            chain_id=self.chain_id,
            height=height,
            time_ms=time_ms,
            prev_hash=self.head.block_hash(),
            history_root=self.log.root(),
            tx_root=tx_root(txs),
            results_root=results_root(results),
            state_root=state_root,
            validators_hash=next_validator_set(self.replay.state).hash(),
            next_validators_hash=next_validators_hash,
            evidence_root=evidence_root(()),
            proposer=self.validator_keys[0].public_key,
        )

    def certify(
        self, block: Block, keys: Sequence[SigningKey], *, round_number: int = 0
    ) -> JsonObject:
        """Certificate JSON signed by keys in the order given (duplicates allowed)."""
        return raw_certificate(self.chain_id, block.header, keys, round_number=round_number)

    def append(self, forged: ForgedBlock) -> ForgedBlock:
        """Make forged the new head (re-executing it: forged must be an honest block)."""
        execution, problems = self.replay.execute(forged.block)
        assert execution is not None and problems == [], problems
        self.replay.adopt(execution)
        self.log.append(forged.block.header.canonical_bytes())
        self.head = forged.block.header
        self.blocks.append(forged)
        return forged

    def grow(self, blocks: int, txs_per_block: int = 0, prefix: str = "p") -> None:
        for index in range(blocks):
            txs = [self.attest(f"{prefix}-{index}-{n}") for n in range(txs_per_block)]
            self.append(self.build(txs))

    def checkpoint_note(self, size: int | None = None, signers: int | None = None) -> str:
        """The signed checkpoint of the chain at size (default: all), by the first
        `signers` validators (default: all)."""
        size = self.log.size if size is None else size
        text = checkpoint_at_height(
            chain_id=self.chain_id, height=size - 1, root_hash=self.log.root(size)
        ).body()
        members = next_validator_set(self.replay.state).validators
        chosen = members if signers is None else members[:signers]
        return format_signed_note(
            text, [sign_note(text, member.name, party_key(member.name)) for member in chosen]
        )
