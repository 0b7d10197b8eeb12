"""Tx signatures of a block read ahead of its execution, to verify them on another core.

Block sync and `lantan audit --replay` know a block's JSON before they execute it. Block
sync parses each certified block on a thread of its own and hands signed_triples of its
txs to verify_signatures with a protocol/signature_cache.py verify port: execution then
finds those signatures in the cache (and takes the parsed block along). PyNaCl releases
the GIL inside crypto_sign_open, but the thread needs it back after each signature, and
beside an execution that holds it that is only at the interpreter's forced switches
(every 5 ms): the audit measured nearly every verification done while execution waited
for it, so `lantan audit` hands verified_each to a worker process instead
(client/cli/audit_ahead.py). Pure: no thread or process is made here; callers own them.

It is only a hint. A triple is taken from JSON nobody has checked yet, so a malformed
entry is skipped, never raised; a triple that is not what execution will check (a forged
message, a wrong key) only adds an entry no one asks for, since a cache entry binds key,
message and signature together. Execution still decides every tx.
"""

from collections.abc import Sequence

from protocol.encoding import JsonValue, encode
from protocol.errors import ProtocolError
from protocol.hashing import TAG_TX
from protocol.signing import VerifySignature, verify_signature
from protocol.tx import SignedTx

SignedTriple = tuple[bytes, bytes, bytes]
"""(public_key, message, signature): the arguments of the verify port."""


def block_signatures(block: JsonValue) -> list[SignedTriple]:
    """The (key, TAG_TX || JCS(tx), signature) of every signature of a block's txs, as far
    as its JSON is well formed (the rest is left to execution)."""
    txs = block.get("txs") if isinstance(block, dict) else None
    if not isinstance(txs, list):
        return []
    triples: list[SignedTriple] = []
    for signed in txs:
        triples += _tx_signatures(signed)
    return triples


def signed_triples(txs: Sequence[SignedTx]) -> list[SignedTriple]:
    """The (key, signing bytes, signature) of every signature of parsed txs: no encoding,
    each tx keeps its canonical bytes."""
    return [
        (entry.public_key, signed.tx.signing_bytes(), entry.signature)
        for signed in txs
        for entry in signed.signatures
    ]


def _tx_signatures(signed: JsonValue) -> list[SignedTriple]:
    if not isinstance(signed, dict):
        return []
    tx, signatures = signed.get("tx"), signed.get("signatures")
    if not isinstance(tx, dict) or not isinstance(signatures, list):
        return []
    try:
        message = TAG_TX + encode(tx)
        triples = []
        for entry in signatures:
            key = entry.get("public_key") if isinstance(entry, dict) else None
            signature = entry.get("signature") if isinstance(entry, dict) else None
            if isinstance(key, str) and isinstance(signature, str):
                triples.append((bytes.fromhex(key), message, bytes.fromhex(signature)))
        return triples
    except (ProtocolError, ValueError):
        return []


def verify_signatures(verify: VerifySignature, triples: Sequence[SignedTriple]) -> int:
    """Ask verify about every triple (a caching port keeps the good ones); how many held."""
    return sum(1 for triple in triples if verify(*triple))


def verified_each(triples: Sequence[SignedTriple]) -> list[bool]:
    """verify_signature of each triple, in order: the work a verifying process is handed
    (module level and plain data both ways, so it pickles)."""
    return [verify_signature(*triple) for triple in triples]
