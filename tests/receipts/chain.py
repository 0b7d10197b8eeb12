"""An in-process Lantan chain with fixed keys, for receipts that are identical on every run.

The institutions of the local network (genesis.network.local_network_plan) get keys from
the seeds H("lantan receipt example key: " || name); blocks go through node.ledger.Ledger on
LevelDB exactly as on a node, are certified by the validators' precommits, and each height
gets a checkpoint note signed by every validator of its set. Receipts come from
node.proofs.build_receipt, the code the node serves them with.
"""

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from contracts.records import Account
from genesis.document import Genesis, build_genesis
from genesis.example.xiangshan_case import TOWNSHIP_ACCOUNT, CaseStep, xiangshan_case_steps
from genesis.keystore import KeyIdentity
from genesis.network import (
    ECOLOGICAL_ACCOUNT_ID,
    ECOLOGICAL_ACCOUNT_NAME,
    document_from_plans,
    local_network_plan,
)
from node.ledger import Ledger, PreparedBlock
from node.proofs import SignedCheckpoint, build_receipt
from node.storage.leveldb import LevelDbStore
from protocol.cosignature import cosign
from protocol.hashing import Hash32, sha256
from protocol.note import checkpoint_at_height, format_signed_note, parse_signed_note, sign_note
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate, sign_certificate
from protocol.witnesses import Witness, WitnessSet

GENESIS_TIME_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z, as PROTOCOL.md §13
BLOCK_MS = 1_000
TX_LIFETIME_MS = 86_400_000


def key_of(name: str) -> SigningKey:
    return SigningKey(sha256(b"lantan receipt example key: " + name.encode("utf-8")))


class ReceiptChain:
    """One chain on a LevelDB directory; close() releases it."""

    def __init__(
        self,
        directory: Path,
        *,
        validator_count: int = 3,
        chain_name: str = "",
        witnesses: tuple[str, ...] = (),
        witness_quorum: int = 1,
    ) -> None:
        plans = local_network_plan(validator_count)
        self.keys = {plan.name: key_of(plan.name) for plan in plans}
        self.keys[TOWNSHIP_ACCOUNT] = key_of(TOWNSHIP_ACCOUNT)
        identities = [
            (
                plan,
                KeyIdentity(
                    name=plan.name,
                    roles=tuple(sorted(plan.roles, key=lambda role: role.value)),
                    public_key=self.keys[plan.name].public_key,
                ),
            )
            for plan in plans
        ]
        eco = Account(
            account_id=ECOLOGICAL_ACCOUNT_ID,
            holder_key=self.keys["xiangshan-county"].public_key,
            custodian="ningbo-ptc",
            display_name=ECOLOGICAL_ACCOUNT_NAME,
            kind="ecological",
        )
        document = document_from_plans(
            identities,
            chain_name=chain_name or f"lantan-receipt-example-{validator_count}",
            genesis_time_ms=GENESIS_TIME_MS,
            accounts=(eco,),
        )
        if witnesses:
            # ADR 0021: the witnesses' keys come from the same seeds as everyone's.
            self.keys.update((name, key_of(name)) for name in witnesses)
            listed = sorted(
                (Witness(name=name, public_key=self.keys[name].public_key) for name in witnesses),
                key=lambda witness: witness.public_key,
            )
            policy = WitnessSet(witnesses=tuple(listed), quorum=witness_quorum)
            document = dataclasses.replace(document, witnesses=policy)
        self.genesis: Genesis = build_genesis(document)
        self.genesis_bytes = document.canonical_bytes()
        self.ledger = Ledger(LevelDbStore.open(directory), self.genesis)
        self.notes: dict[int, str] = {}
        self._nonces: dict[str, int] = {}

    def close(self) -> None:
        self.ledger.store.close()

    @property
    def chain_id(self) -> Hash32:
        return self.genesis.chain_id

    def tx(
        self, sender: str, tx_type: str, body: Mapping[str, Any], cosigners: Iterable[str] = ()
    ) -> SignedTx:
        nonce = self._nonces.get(sender, 0) + 1
        self._nonces[sender] = nonce
        unsigned = UnsignedTx(
            chain_id=self.chain_id,
            protocol_version=PROTOCOL_VERSION,
            type=tx_type,
            sender=self.keys[sender].public_key,
            nonce=nonce,
            expires_at_ms=GENESIS_TIME_MS + TX_LIFETIME_MS,
            body=dict(body),
        )
        signed = sign_tx(unsigned, self.keys[sender])
        for name in cosigners:
            signed = sign_tx(signed, self.keys[name])
        return signed

    def commit(self, txs: tuple[SignedTx, ...] = ()) -> PreparedBlock:
        """Build, certify (every validator of the set) and commit one block; sign its
        checkpoint with every validator of the block's set."""
        validators = self.ledger.validators_for_next_height()
        prepared = self.ledger.build(
            txs=txs,
            evidence=(),
            time_ms=self.ledger.head().time_ms + BLOCK_MS,
            proposer=validators.validators[0].public_key,
        )
        self.ledger.commit(prepared, self.certify(prepared, validators))
        height = prepared.block.header.height
        self.notes[height + 1] = self.sign_checkpoint(height + 1, validators)
        return prepared

    def certify(self, prepared: PreparedBlock, validators: ValidatorSet) -> CommitCertificate:
        keys = [self.keys[v.name] for v in validators.validators]
        height = prepared.block.header.height
        return sign_certificate(self.chain_id, height, prepared.block_hash, keys)

    def sign_checkpoint(self, size: int, validators: ValidatorSet) -> str:
        root = self.ledger.history_root(size)
        text = checkpoint_at_height(chain_id=self.chain_id, height=size - 1, root_hash=root).body()
        lines = [sign_note(text, v.name, self.keys[v.name]) for v in validators.validators]
        return format_signed_note(text, lines)

    def cosign(self, size: int, *names: str, timestamp_s: int = 1_764_115_300) -> str:
        """The checkpoint note of size with cosignature lines of the named witnesses
        appended (c2sp.org/tlog-cosignature), as a node serves it."""
        note = self.notes[size]
        text = parse_signed_note(note).text
        lines = [cosign(text, name, self.keys[name], timestamp_s) for name in names]
        return note + "".join(c.note_signature().line() for c in lines)

    def run_case(self, steps: tuple[CaseStep, ...] | None = None) -> dict[str, Hash32]:
        """The Xiangshan case (or steps), one block per step; returns tx ids by tx type."""
        ids = {}
        for step in xiangshan_case_steps() if steps is None else steps:
            body = dict(step.body)
            if step.tx_type == "account.open":
                body["holder_key"] = self.keys[TOWNSHIP_ACCOUNT].public_key.hex()
            signed = self.tx(step.sender, step.tx_type, body, step.cosigners)
            self.commit((signed,))
            ids[step.tx_type] = signed.tx_id
        return ids

    def receipt(
        self,
        retirement_id: Hash32,
        size: int | None = None,
        note: str | None = None,
        version: int = 3,
    ) -> dict[str, Any]:
        """The receipt in format `version`: 3 by default, the format of the committed
        vectors and corpus (receipt-v3.json, receipt-corpus.jsonl), which stay
        byte-identical; 4 is what nodes serve (ADR 0030)."""
        size = self.ledger.height + 1 if size is None else size
        checkpoint = SignedCheckpoint(size=size, note=self.notes[size] if note is None else note)
        return build_receipt(self.ledger, retirement_id, checkpoint, version, of_rejected_too=True)
