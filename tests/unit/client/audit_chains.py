"""In-memory chains for the auditor's chain checker tests (test_audit*.py): what each node
serves of a forged chain, an audit run over it, and its findings."""

from client.audit.chain_audit import ChainAudit, ServedBlock
from client.audit.fetch import served_block
from client.audit.findings import Finding, FindingCode
from genesis.example.chain_forge import ChainForge, ForgedBlock
from protocol.encoding import JsonObject

NODES = ("http://a", "http://b", "http://c")


def serve(forged: ForgedBlock, node: str, certificate: JsonObject | None = None) -> ServedBlock:
    return served_block(node, forged.answer(certificate))


def serve_chain(forge: ChainForge, nodes: tuple[str, ...]) -> list[list[ServedBlock]]:
    """Per height 1..head, what each node serves of this (honest) chain."""
    return [[serve(forged, node) for node in nodes] for forged in forge.blocks]


def run(forge: ChainForge, per_height: list[list[ServedBlock]], *, replay: bool) -> ChainAudit:
    audit = ChainAudit(forge.genesis, replay=replay)
    for served in per_height:
        following = [s for s in served if audit.follows(s.node)]
        audit.add_height(following)
    return audit


def codes(audit: ChainAudit) -> set[tuple[FindingCode, int | None]]:
    return {(f.code, f.height) for f in audit.report().findings}


def only(audit: ChainAudit, code: FindingCode) -> Finding:
    (finding,) = [f for f in audit.report().findings if f.code is code]
    return finding


def honest_chain() -> ChainForge:
    """Five certified blocks: two empty, then three of three txs each."""
    forge = ChainForge()
    forge.grow(2)
    forge.grow(3, txs_per_block=3)
    return forge
