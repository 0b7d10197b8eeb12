"""What block sync is served, checked before the worker executes any of it: a range
answer split into (payload, certificate) entries, a payload made canonical, a block parsed
only when its certificate holds, and the double-sign evidence of a fork. Pure (no I/O).
node/sync_catch_up.py fetches and applies; these say what a peer's bytes are.
"""

import asyncio
from dataclasses import dataclass

from consensus.fork_evidence import fork_evidence
from node.ledger import header_of_payload
from protocol.block import block_of_value
from protocol.block_check import BodyChecked, checked_body
from protocol.certificate_check import verify_certificate
from protocol.encoding import (
    JsonObject,
    JsonValue,
    decode_unchecked,
    encode,
    encode_in_c,
    split_array,
    split_object,
)
from protocol.errors import ProtocolError
from protocol.hashing import Hash32
from protocol.signing import VerifySignature
from protocol.validators import ValidatorSet
from protocol.votes import CommitCertificate


class RangeRefusedError(Exception):
    """A peer's range answer is not the blocks asked for (wrong heights, too many)."""


@dataclass(slots=True)
class FetchedBlock:
    """A block as a peer served it, not yet checked, and its signatures' verification."""

    payload: bytes
    certificate: CommitCertificate
    ready: "asyncio.Future[BodyChecked | None] | None" = None
    """Parsing it (parse_if_certified) and verifying its txs' signatures into the ledger's
    cache, once started: the parsed block, its body checked; None when it was not
    certified, did not parse or its body is not the header's (the ledger then says why)."""


def parse_if_certified(
    verify: VerifySignature, chain_id: Hash32, validators: ValidatorSet, fetched: FetchedBlock
) -> BodyChecked | None:
    """The block parsed from its payload, only if its header hashes to the certified block,
    the certificate holds for validators and its body is the one the header names
    (check_body: the txs are the ones its tx_root commits to), so that verifying their
    signatures ahead is work execution would do anyway: a peer cannot make this node parse
    or verify the signatures of a block nobody certified. The ledger takes this body check
    along instead of hashing the txs again. None otherwise (the ledger then parses the
    payload itself and says what is wrong).

    The payload is first made canonical (canonical_payload), which may replace
    fetched.payload: the bytes the ledger then checks against the block and stores."""
    canonical = canonical_payload(fetched.payload)
    if canonical is None:
        return None
    payload, value, in_c_domain = canonical
    fetched.payload = payload
    header = header_of_payload(payload)
    if header is None or header.block_hash() != fetched.certificate.block_hash:
        return None
    try:
        verify_certificate(fetched.certificate, chain_id, validators, verify)
        # The payload was just encoded from value: its canonical form needs no second
        # check here, and validate compares the block's canonical bytes with it anyway.
        block = block_of_value(value, in_c_domain=in_c_domain)
    except ProtocolError:
        return None
    return None if block.header != header else checked_body(block)


def canonical_payload(raw: bytes) -> tuple[bytes, JsonValue, bool] | None:
    """A block as a range answer held it: its canonical bytes (raw itself whenever a peer
    served the stored bytes, as this node's route does), their JSON value and whether that
    lies in the C encoder's domain (protocol.encoding: then each part of it is encoded in C
    without walking it again, block_of_value's in_c_domain). Any spelling of the block is
    taken, as the whole answer was before: decoded without the strict checks (a duplicate
    key: the last one wins), then encoded, which refuses what is outside the protocol's
    JSON (a float, an integer past 2**53, too deep) with a typed error. None then, or when
    raw is not JSON: the ledger parses raw itself and names the problem."""
    try:
        value = decode_unchecked(raw)
        # encode_in_c walks all of value and encodes it in C: what decode_noting_domain
        # establishes for in_c_domain, here for bytes decoded without the strict checks.
        data = encode_in_c(value)
        in_c_domain = data is not None
        if data is None:
            data = encode(value)
    except ProtocolError:
        return None
    return (raw if data == raw else data), value, in_c_domain


def parse_range(content: bytes, first: int, limit: int) -> list[tuple[bytes, CommitCertificate]]:
    """A /v1/blocks/range answer (already bounded in bytes) as (payload, certificate) per
    block, each payload the block's bytes as the answer holds them, not decoded here
    (parse_if_certified does that once, on the worker, which executes its parse). Raises
    RangeRefusedError when it is not {"blocks": [{block, certificate}, ...]} with at most
    limit entries, or holds a certificate for another height than first, first + 1, ..,
    and ProtocolError when a certificate does not parse; whether each block is sound is
    the ledger's to say."""
    members = split_object(content)
    entries = None if members is None or "blocks" not in members else split_array(members["blocks"])
    if entries is None or len(entries) > limit:
        raise RangeRefusedError(f"not a list of at most {limit} blocks")
    parsed = []
    for offset, entry in enumerate(entries):
        block, certificate = _range_entry(entry)
        if certificate.height != first + offset:
            raise RangeRefusedError(f"height {certificate.height} where {first + offset} was asked")
        parsed.append((block, certificate))
    return parsed


def _range_entry(entry: bytes) -> tuple[bytes, CommitCertificate]:
    members = split_object(entry)
    if members is None or "block" not in members or "certificate" not in members:
        raise RangeRefusedError("a range entry is {block, certificate}")
    return members["block"], CommitCertificate.from_json(decode_unchecked(members["certificate"]))


def double_sign_evidence(
    chain_id: Hash32, ours: CommitCertificate, theirs: CommitCertificate
) -> list[JsonObject]:
    """Duplicate-vote evidence from two certificates of one height for different blocks.

    A validator with a precommit in both, in the same round, signed two conflicting votes
    (consensus/fork_evidence.py); /v1/fork serves it and `lantan audit` derives the same.
    Requires both verified: ours when it was committed, theirs by ForkChecks._confirm_fork.
    """
    found = fork_evidence(chain_id, ours, theirs)
    return [{"offender": e.offender.hex(), "evidence": e.to_json()} for e in found]
