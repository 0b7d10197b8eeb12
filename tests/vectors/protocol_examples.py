"""Worked examples of docs/PROTOCOL.md §13, computed from the code with fixed keys.

`python -m tests.vectors.protocol_examples --rewrite` writes them into docs/PROTOCOL.md
and tests/vectors/protocol-v1.json; test_protocol_examples.py fails when either is stale.
Every value is deterministic: keys come from fixed seeds and Ed25519 signing is
deterministic (RFC 8032 §5.1.6).
"""

import base64
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from protocol.block import BlockHeader, evidence_root, results_root, tx_root
from protocol.encoding import JsonObject, encode
from protocol.hashing import (
    TAG_GENESIS,
    TAG_HEADER,
    TAG_TX,
    TAG_VOTE,
    Hash32,
    sha256,
    tagged_hash,
)
from protocol.log import MemoryLogStore, MerkleLog
from protocol.merkle import hash_children, hash_leaf, verify_inclusion
from protocol.note import (
    checkpoint_at_height,
    format_signed_note,
    note_key_id,
    sign_note,
    verifier_key_string,
)
from protocol.results import TxResult, TxStatus
from protocol.signing import SigningKey
from protocol.smt import MemorySmtStore, SparseMerkleTree
from protocol.smt_proof import hash_leaf as smt_hash_leaf
from protocol.smt_proof import hash_node as smt_hash_node
from protocol.smt_proof import path_bit
from protocol.smt_proof import verify_inclusion as smt_verify_inclusion
from protocol.tx import PROTOCOL_VERSION, UnsignedTx, sign_tx
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate, Vote, VoteType, sign_vote
from tests.kit.headers import header_with
from tests.kit.validators import validator_set_of
from tests.vectors.doc_splice import print_or_rewrite

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "PROTOCOL.md"
VECTORS = ROOT / "tests" / "vectors" / "protocol-v1.json"
MARKERS = ("<!-- examples:begin -->", "<!-- examples:end -->")
NAMES = ("xiangshan-county", "ningbo-ptc", "xiamen-ptc")
TIME_MS = 1_764_115_200_000  # 2025-11-26T00:00:00Z


def example_key(name: str) -> SigningKey:
    return SigningKey(sha256(b"lantan example key " + name.encode()))


@dataclass
class Section:
    """One example: a title, prose, and (label, value) lines, mirrored into the JSON."""

    title: str
    intro: str
    lines: list[tuple[str, str]] = field(default_factory=list)

    def add(self, label: str, value: str | bytes) -> None:
        self.lines.append((label, value.hex() if isinstance(value, bytes) else value))

    def markdown(self) -> str:
        body = "\n".join(
            f"{label}:\n  {value}" if len(label) + len(value) > 90 else f"{label}: {value}"
            for label, value in self.lines
        )
        return f"### {self.title}\n\n{self.intro}\n\n```\n{body}\n```\n"


def keys_section(validators: ValidatorSet) -> Section:
    section = Section("13.1 Keys and the validator set", "Three validators, q = 2.")
    for name in NAMES:
        key = example_key(name)
        section.add(f"{name} seed", key.seed)
        section.add(f"{name} public_key", key.public_key)
        section.add(f"{name} note key id", note_key_id(name, key.public_key))
        section.add(f"{name} note_verifier_key", verifier_key_string(name, key.public_key))
    section.add("JCS(validator set)", validators.canonical_bytes().decode())
    section.add("validators_hash = H(TAG_VALIDATORS || JCS(set))", validators.hash())
    return section


def example_unsigned_tx(
    chain_id: Hash32, tx_type: str, sender: SigningKey, nonce: int, body: JsonObject
) -> UnsignedTx:
    """An example tx of the current protocol version that expires an hour after TIME_MS."""
    return UnsignedTx(
        chain_id=chain_id,
        protocol_version=PROTOCOL_VERSION,
        type=tx_type,
        sender=sender.public_key,
        nonce=nonce,
        expires_at_ms=TIME_MS + 3_600_000,
        body=body,
    )


def validator_set() -> ValidatorSet:
    return validator_set_of([(name, example_key(name).public_key) for name in NAMES], quorum=2)


def chain_id_section() -> tuple[Section, Hash32]:
    genesis = {"example": "lantan protocol v1 worked examples"}
    chain_id = tagged_hash(TAG_GENESIS, encode(genesis))
    section = Section(
        "13.2 chain_id",
        "An illustrative genesis document (the real one is defined by the genesis tooling).",
    )
    section.add("JCS(genesis)", encode(genesis).decode())
    section.add("TAG_GENESIS", TAG_GENESIS)
    section.add("chain_id = H(TAG_GENESIS || JCS(genesis))", chain_id)
    return section, chain_id


def tx_section(chain_id: Hash32) -> tuple[Section, list[bytes], TxResult]:
    sender, cosigner = example_key("ningbo-ptc"), example_key("xiangshan-county")
    body: JsonObject = {"memo": "蓝碳 422.5 t = 422500 kg", "quantity_kg": 422_500}
    unsigned = example_unsigned_tx(chain_id, "example.note", sender, 1, body)
    signed = sign_tx(sign_tx(unsigned, sender), cosigner)
    section = Section(
        "13.3 A transaction",
        "Signed by its sender (ningbo-ptc) and one co-signer (xiangshan-county); the body "
        "is illustrative. Signatures are sorted by public key.",
    )
    section.add("JCS(unsigned tx)", encode(unsigned.to_json()).decode())
    section.add("TAG_TX", TAG_TX)
    section.add("signing bytes = TAG_TX || JCS(unsigned tx)", unsigned.signing_bytes())
    section.add("tx_id = H(signing bytes)", unsigned.tx_id())
    for entry in signed.signatures:
        section.add(f"signature by {entry.public_key.hex()[:16]}…", entry.signature)
    section.add("JCS(signed tx) (the tx_root leaf)", signed.canonical_bytes().decode())
    section.add("leaf hash = H(0x00 || JCS(signed tx))", hash_leaf(signed.canonical_bytes()))
    result = TxResult(tx_id=unsigned.tx_id(), status=TxStatus.ACCEPTED, reason=None)
    section.add("JCS(result)", result.canonical_bytes().decode())
    section.add("tx_root (one leaf: the leaf hash)", tx_root([signed]))
    section.add("results_root = H(0x00 || JCS(result))", results_root([result]))
    return section, [signed.canonical_bytes()], result


def smt_section() -> tuple[Section, Hash32]:
    tree = SparseMerkleTree(MemorySmtStore())
    records = {
        b"account/ecological-account": encode({"holder": "xiangshan-county"}),
        b"case/xsfy-2023-1": encode({"required_kg": 422_500}),
        b"retirement/r-1": encode({"case": "xsfy-2023-1", "quantity_kg": 422_500}),
    }
    root = tree.update(1, records)
    key, value = b"retirement/r-1", records[b"retirement/r-1"]
    proof = tree.prove(key, 1)
    assert proof.leaf is not None
    smt_verify_inclusion(root, key, value, proof)
    section = Section(
        "13.5 A sparse Merkle proof",
        "A state of three records; the inclusion proof of `retirement/r-1`, folded from the "
        "deepest sibling up (docs/PROTOCOL.md §9). The non-inclusion proof of `retirement/r-2` "
        "is the same JSON, and rightly: key_hash(retirement/r-2) = 2419e5bc... (its first bit "
        "0, as r-1's) ends its path, one level down, at r-1's leaf: §9's second shape, another "
        "key's leaf whose key_hash shares the first m = 1 bits.",
    )
    for record_key, record_value in records.items():
        section.add(f"key_hash({record_key.decode()})", sha256(record_key))
        section.add(f"value {record_key.decode()}", record_value.decode())
    section.add("state_root", root)
    key_hash = sha256(key)
    current = smt_hash_leaf(key_hash, sha256(value))
    section.add("leaf = H(0x02 || key_hash || H(value))", current)
    for depth in range(len(proof.siblings) - 1, -1, -1):
        sibling = proof.siblings[depth]
        bit = path_bit(key_hash, depth)
        section.add(f"depth {depth}: bit {bit}, sibling", sibling)
        current = smt_hash_node(sibling, current) if bit else smt_hash_node(current, sibling)
        section.add(f"depth {depth}: H(0x03 || ...)", current)
    assert current == root
    section.add("proof JSON", encode(proof.to_json()).decode())
    missing = tree.prove(b"retirement/r-2", 1)
    section.add("non-inclusion proof JSON of retirement/r-2", encode(missing.to_json()).decode())
    return section, root


def header_section(
    chain_id: Hash32,
    validators: ValidatorSet,
    txs: list[bytes],
    result: TxResult,
    state_root: Hash32,
) -> tuple[Section, BlockHeader, BlockHeader]:
    genesis = header_with(
        chain_id=chain_id, height=0, time_ms=TIME_MS, validators=validators, state_root=state_root
    )
    first = replace(
        genesis,
        height=1,
        time_ms=TIME_MS + 1000,
        prev_hash=genesis.block_hash(),
        history_root=hash_leaf(genesis.canonical_bytes()),
        tx_root=root_of(txs),
        results_root=results_root([result]),
        evidence_root=evidence_root([]),
        proposer=validators.proposer(1, 0).public_key,
    )
    section = Section(
        "13.4 Headers",
        "The genesis header (height 0) and the header of height 1 holding the tx of 13.3, "
        "with the state of 13.5 as its state_root. Header 0 is illustrative, not one derived "
        "by §5 from a genesis document: its state_root is 13.5's three-record example state "
        "and its validators 13.1's set, where a §5 genesis state holds `params`, the "
        "institutions and `validators/...` records (check a §5 derivation against a "
        "network's `GET /v1/blocks/0` instead). Header 1 keeps that state_root: the "
        "example does not execute its tx.",
    )
    for header in (genesis, first):
        section.add(f"JCS(header {header.height})", header.canonical_bytes().decode())
        section.add(f"block_hash {header.height} = H(TAG_HEADER || JCS)", header.block_hash())
        section.add(f"history leaf hash {header.height}", hash_leaf(header.canonical_bytes()))
    section.add("TAG_HEADER", TAG_HEADER)
    return section, genesis, first


def root_of(leaves: list[bytes]) -> Hash32:
    log = MerkleLog(MemoryLogStore())
    for leaf in leaves:
        log.append(leaf)
    return log.root()


def vote_section(chain_id: Hash32, header: BlockHeader) -> Section:
    vote = Vote(
        type=VoteType.PRECOMMIT,
        chain_id=chain_id,
        height=header.height,
        round=0,
        block_hash=header.block_hash(),
    )
    signed = [sign_vote(vote, example_key(name)) for name in NAMES[:2]]
    certificate = CommitCertificate.from_votes(signed)
    section = Section("13.6 A precommit and a commit certificate", "Two of three sign: q = 2.")
    section.add("JCS(vote)", encode(vote.to_json()).decode())
    section.add("signing bytes = TAG_VOTE || JCS(vote)", TAG_VOTE + encode(vote.to_json()))
    for entry in signed:
        section.add(f"signature by {entry.validator.hex()[:16]}…", entry.signature)
    section.add("JCS(certificate)", encode(certificate.to_json()).decode())
    return section


def log_section() -> Section:
    log = MerkleLog(MemoryLogStore())
    leaves = [f"leaf-{index}".encode() for index in range(7)]
    for leaf in leaves:
        log.append(leaf)
    section = Section(
        "13.7 RFC 9162 proofs",
        "A log of seven leaves `leaf-0` .. `leaf-6` (ASCII): the inclusion proof of leaf 2 at "
        "size 7, the verifier's steps (RFC 9162 §2.1.3.2), and the consistency proof 3 -> 7.",
    )
    for index in range(7):
        section.add(f"H(0x00 || leaf-{index})", log.leaf_hash(index))
    section.add("root size 3", log.root(3))
    section.add("root size 7", log.root(7))
    proof = log.inclusion_proof(2, 7)
    for position, item in enumerate(proof):
        section.add(f"inclusion proof[{position}]", item)
    # Leaf 2 is a left child, then a right child, then the left half of the tree of 7.
    step1 = hash_children(log.leaf_hash(2), proof[0])
    step2 = hash_children(proof[1], step1)
    step3 = hash_children(step2, proof[2])
    section.add("step 1: H(0x01 || leaf 2 || proof[0])", step1)
    section.add("step 2: H(0x01 || proof[1] || step 1)", step2)
    section.add("step 3: H(0x01 || step 2 || proof[2]) = root size 7", step3)
    assert step3 == log.root(7)
    verify_inclusion(2, 7, log.leaf_hash(2), proof, log.root(7))
    for position, item in enumerate(log.consistency_proof(3, 7)):
        section.add(f"consistency proof 3 -> 7 [{position}]", item)
    return section


def checkpoint_section(chain_id: Hash32, headers: list[BlockHeader]) -> Section:
    root = root_of([h.canonical_bytes() for h in headers])
    checkpoint = checkpoint_at_height(chain_id=chain_id, height=headers[-1].height, root_hash=root)
    text = checkpoint.body()
    signatures = [sign_note(text, name, example_key(name)) for name in NAMES]
    note = format_signed_note(text, signatures)
    section = Section(
        "13.8 A checkpoint note",
        "The checkpoint after height 1 (size 2: headers 0 and 1), signed by all three "
        "validators. The note text is shown with `\\n` for newlines.",
    )
    section.add("history root size 2", root)
    section.add("b64(root)", base64.b64encode(root).decode())
    section.add("note text", text.replace("\n", "\\n"))
    for signature in signatures:
        section.add(f"{signature.name} signature", signature.signature)
    section.add("signed note", note.replace("\n", "\\n"))
    return section


def build_sections() -> list[Section]:
    validators = validator_set()
    chain, chain_id = chain_id_section()
    tx, txs, result = tx_section(chain_id)
    smt, state_root = smt_section()
    headers, genesis, first = header_section(chain_id, validators, txs, result, state_root)
    return [
        keys_section(validators),
        chain,
        tx,
        headers,
        smt,
        vote_section(chain_id, first),
        log_section(),
        checkpoint_section(chain_id, [genesis, first]),
    ]


def render_markdown(sections: list[Section]) -> str:
    return "\n".join(section.markdown() for section in sections)


def render_json(sections: list[Section]) -> str:
    document = {
        "source": "Lantan docs/PROTOCOL.md §13, generated by tests/vectors/protocol_examples.py",
        "examples": [
            {"title": s.title, "values": [{"label": k, "value": v} for k, v in s.lines]}
            for s in sections
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    sections = build_sections()
    example, json_text = render_markdown(sections), render_json(sections)
    return print_or_rewrite(
        argv, doc=DOC, markers=MARKERS, example=example, vectors=VECTORS, json=json_text
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
