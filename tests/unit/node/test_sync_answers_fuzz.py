"""A hostile block-sync server's range answers, fuzzed one field at a time (hostile pass of
stop 51, tests/adversary/fuzz_cases.py): parse_range refuses a mutated answer with
RangeRefusedError or ProtocolError only (what sync_catch_up.py catches), and a block it
passes on is either certified and parsed or None from parse_if_certified, never another
exception: each case is one that would otherwise end a catch-up round with a stack trace.
"""

import json

from node.ledger import Ledger
from node.sync_blocks import FetchedBlock, RangeRefusedError, parse_if_certified, parse_range
from protocol.encoding import JsonObject, JsonValue, decode, encode
from protocol.errors import ProtocolError
from protocol.signing import verify_signature
from tests.adversary.fuzz_cases import Case, all_cases
from tests.unit.node.sync_kit import LedgerAt, certified_chain

BLOCKS = 2


def _answer(ledger_at: LedgerAt) -> tuple[JsonObject, Ledger]:
    source = ledger_at("source")
    blocks = certified_chain(source, BLOCKS)
    entries: list[JsonValue] = [
        {"block": decode(payload), "certificate": certificate.to_json()}
        for payload, certificate in blocks.values()
    ]
    return {"blocks": entries}, source


def _content(case: Case) -> bytes:
    if case.raw is not None:
        return case.raw
    try:
        return encode(case.value)
    except ProtocolError:  # too deep for the encoder: the bytes json writes of it
        return json.dumps(case.value, separators=(",", ":"), sort_keys=True).encode()


def test_every_mutated_range_answer_is_refused_or_checked_never_raised(
    ledger_at: LedgerAt,
) -> None:
    answer, source = _answer(ledger_at)
    validators = source.validators_of_head()
    outcomes = {"refused": 0, "not_certified": 0, "certified": 0}
    for case in all_cases(answer):
        try:
            parsed = parse_range(_content(case), 1, BLOCKS)
        except (RangeRefusedError, ProtocolError):
            outcomes["refused"] += 1
            continue
        for payload, certificate in parsed:
            fetched = FetchedBlock(payload=payload, certificate=certificate)
            checked = parse_if_certified(verify_signature, source.chain_id, validators, fetched)
            outcomes["not_certified" if checked is None else "certified"] += 1
    # Each kind of outcome was reached: the cases went past the first parse too.
    assert min(outcomes.values()) > 0, outcomes
