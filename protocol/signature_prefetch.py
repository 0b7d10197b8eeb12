"""Tx signatures of a block read ahead of its execution, to verify them on another core.

Block sync and `lantan audit --replay` have a block before they execute it. Both parse it
ahead and take signed_triples of its typed txs: the signing bytes each tx computed once
while parsing, the very bytes execution later verifies (it executes that same parse), so
no tx is encoded twice. Block sync hands them to verify_signatures with a
protocol/signature_cache.py verify port on a thread of its own: execution then finds those
signatures in the cache. PyNaCl releases the GIL inside crypto_sign_open, but the thread
needs it back after each signature, and beside an execution that holds it that is only at
the interpreter's forced switches (every 5 ms): the audit measured nearly every
verification done while execution waited for it, so `lantan audit` hands verified_each to
a worker process instead (client/cli/audit_ahead.py). Pure: no thread or process is made
here; callers own them.

It is only a hint. Nothing has admitted a block's txs when it is parsed ahead (and the
audit parses before it checks the certificate), so a triple that is not what execution
will check (a forged message, a wrong key) only adds an entry no one asks for, since a
cache entry binds key, message and signature together. Execution still decides every tx.
"""

from collections.abc import Sequence

from protocol.signing import VerifySignature, verify_signature
from protocol.tx import SignedTx

SignedTriple = tuple[bytes, bytes, bytes]
"""(public_key, message, signature): the arguments of the verify port."""


def signed_triples(txs: Sequence[SignedTx]) -> list[SignedTriple]:
    """The (key, signing bytes, signature) of every signature of parsed txs: no encoding,
    each tx keeps its canonical bytes."""
    return [
        (entry.public_key, signed.tx.signing_bytes(), entry.signature)
        for signed in txs
        for entry in signed.signatures
    ]


def verify_signatures(verify: VerifySignature, triples: Sequence[SignedTriple]) -> int:
    """Ask verify about every triple (a caching port keeps the good ones); how many held."""
    return sum(1 for triple in triples if verify(*triple))


def verified_each(triples: Sequence[SignedTriple]) -> list[bool]:
    """verify_signature of each triple, in order: the work a verifying process is handed
    (module level and plain data both ways, so it pickles)."""
    return [verify_signature(*triple) for triple in triples]
