"""A fake node for client tests: the public API contract over the real contracts.

Admission is contracts' check_admissible and a block is contracts' execute_block, so the
client sees the node's real reason codes and results. There is no consensus: `commit()`
executes every pending tx in one block (at once when auto_commit is set). It serves over
real HTTP on 127.0.0.1 (`serve`) or as an httpx.MockTransport (`transport`). Tests only.
"""

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from contracts import AdmissionError, BlockContext, MemoryState, check_admissible
from contracts.admission import committed_nonce, parse_signed_tx
from contracts.case_lifecycle_records import case_status_in
from contracts.case_records import Case
from contracts.claim_decision_records import InsuranceClaimDecision, policy_claim_totals
from contracts.reversal_records import InsuranceClaim
from contracts.state_keys import (
    batch_links_key,
    case_closure_key,
    case_judgment_key,
    project_tenure_key,
)
from contracts.transition import execute_block
from genesis.document import Genesis
from protocol.cosignature import cosigner_verifier_key
from protocol.hashing import Hash32
from protocol.signing import PublicKey
from protocol.tx import SignedTx

PAGE_LIMIT_DEFAULT = 50
LIST_PREFIXES = {
    "institutions": "institution/",
    "accounts": "account/",
    "projects": "project/",
    "attested-verifications": "attested_verification/",
    "batches": "batch/",
    "cases": "case/",
    "retirements": "retirement/",
    "evidence": "evidence/",
    "reversals": "reversal/",
    "insurance-claims": "insurance_claim/",
    "insurance": "insurance/",
}
ENRICHED = frozenset({"case/", "project/", "batch/", "insurance_claim/"})
"""Kinds whose routes add fields to the stored record (node/api/routes/records.py ENRICH)."""
INDEX_PREFIXES = {"tenure": "tenure/", "external-ids": "external_id/"}
"""GET /v1/tenure/<kind>/<number> and /v1/external-ids/<registry>/<id> (ADR 0027, 0028)."""
CHECKPOINT = "lantan/00\n1\nAAAA\n\n— xiangshan-county AAAA\n"

Answer = tuple[int, str, bytes]


@dataclass
class FakeNode:
    genesis: Genesis
    name: str = "xiangshan-county"
    auto_commit: bool = True
    state: MemoryState = field(init=False)
    pending: list[SignedTx] = field(default_factory=list)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.state = MemoryState(self.genesis.state)

    @property
    def chain_id(self) -> Hash32:
        return self.genesis.chain_id

    def handle(self, method: str, target: str, body: bytes) -> Answer:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests.append((method, parts.path))
            return self._route(method, parts.path, query, body)

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> Answer:
        segments = [unquote(s) for s in path.strip("/").split("/")][1:]
        if method == "POST" and segments == ["txs"]:
            return self._submit(body)
        if segments[:1] == ["state"] and len(segments) > 1:
            return self._state("/".join(segments[1:]))
        if len(segments) == 1 and segments[0] in LIST_PREFIXES:
            return self._list(LIST_PREFIXES[segments[0]], query)
        if len(segments) == 2 and segments[0] in LIST_PREFIXES:
            return self._record(LIST_PREFIXES[segments[0]] + segments[1])
        if len(segments) == 3 and segments[0] in INDEX_PREFIXES:
            return self._state(INDEX_PREFIXES[segments[0]] + "/".join(segments[1:]))
        if segments[:1] == ["accounts"] and segments[2:] == ["holdings"]:
            return self._list(f"holding/{segments[1]}/", query)
        if segments[:1] == ["batches"] and segments[2:] == ["serials"]:
            return self._list(f"serials/{segments[1]}/", query)
        return self._get(segments, query)

    def _get(self, segments: list[str], query: dict[str, str]) -> Answer:
        if segments == ["status"]:
            return ok(self.status())
        if segments[:1] == ["nonces"] and len(segments) == 2:
            return ok(self._nonces(segments[1]))
        if segments[:1] == ["txs"] and len(segments) == 2:
            return ok(self.tx_status(segments[1]))
        if segments == ["blocks"]:
            return ok(paginate([(str(b["height"]).zfill(8), b) for b in self.blocks], query))
        if segments[:1] == ["blocks"] and len(segments) == 2 and segments[1].isdigit():
            height = int(segments[1])
            if not 1 <= height <= len(self.blocks):
                return error(404, "NOT_FOUND", f"no block {height}")
            return ok({"block": self.blocks[height - 1], "certificate": None})
        if segments == ["checkpoints", "latest"]:
            return 200, "text/plain; charset=utf-8", CHECKPOINT.encode()
        if segments == ["witnesses"]:
            return ok(self.witnesses())
        if segments == ["validator-sets"]:
            return ok({"genesis": self.genesis.document.validators.to_json(), "changes": []})
        return error(404, "NOT_FOUND", "no such route")

    def status(self) -> dict[str, Any]:
        validators = self.genesis.document.validators
        return {
            "chain_id": self.chain_id.hex(),
            "node": self.name,
            "height": len(self.blocks),
            "round": 0,
            "proposer": validators.validators[0].public_key.hex(),
            "head_hash": "00" * 32,
            "state_root": "11" * 32,
            "validators": [v.to_json() for v in validators.validators],
            "quorum": validators.quorum,
            "f_S": validators.max_safety_faults,
            "f_L": validators.max_liveness_faults,
            "role": "validator",
        }

    def witnesses(self) -> dict[str, Any]:
        """GET /v1/witnesses from genesis and state (a fake keeps no cosignatures)."""
        policy = self.genesis.document.witnesses
        listed = []
        for witness in () if policy is None else policy.witnesses:
            key_hex = witness.public_key.hex()
            key = json.loads(self.state.get(f"key/{key_hex}") or "null")
            address = json.loads(self.state.get(f"node_address/{key_hex}") or "null")
            listed.append(
                {
                    "name": witness.name,
                    "public_key": key_hex,
                    "cosignature_verifier_key": cosigner_verifier_key(
                        witness.name, witness.public_key
                    ),
                    "institution_id": None if key is None else key["institution_id"],
                    "key_status": None if key is None else key.get("status", "active"),
                    "announced": None
                    if address is None
                    else {"address": address["address"], "height": address["height"]},
                    "cosigned_size": None,
                }
            )
        quorum = None if policy is None else policy.quorum
        return {"height": len(self.blocks), "quorum": quorum, "witnesses": listed}

    def _nonces(self, key_hex: str) -> dict[str, Any]:
        return {
            "public_key": key_hex,
            "committed": committed_nonce(self.state, PublicKey(bytes.fromhex(key_hex))),
            "pending": self._pending_nonce(PublicKey(bytes.fromhex(key_hex))) or 0,
        }

    def _pending_nonce(self, sender: PublicKey) -> int | None:
        nonces = [s.tx.nonce for s in self.pending if s.tx.sender == sender]
        return max(nonces) if nonces else None

    def _submit(self, body: bytes) -> Answer:
        value = json.loads(body)
        if isinstance(value, dict) and "txs" in value:
            results = [self._admit(json.dumps(tx).encode()) for tx in value["txs"]]
            return ok({"results": [r for _, r in results]})
        admitted, result = self._admit(body)
        if not admitted:
            return error(400, result["reason"], result["detail"])
        return 202, "application/json", json.dumps(result).encode()

    def _admit(self, tx_bytes: bytes) -> tuple[bool, dict[str, Any]]:
        try:
            signed = parse_signed_tx(tx_bytes)
            tx_id = signed.tx_id.hex()
            if tx_id in self.statuses:
                return True, {"tx_id": tx_id, "status": "pending"}
            pending_nonce = self._pending_nonce(signed.tx.sender)
            check_admissible(
                self.state, tx_bytes, now_ms(), self.chain_id, pending_nonce=pending_nonce
            )
        except AdmissionError as refused:
            reason = refused.reason.value
            detail = refused.detail
            return False, {
                "tx_id": None,
                "status": "rejected_at_admission",
                "reason": reason,
                "detail": detail,
            }
        self.pending.append(signed)
        self.statuses[tx_id] = pending_status(tx_id)
        if self.auto_commit:
            self.commit_locked()
        return True, {"tx_id": tx_id, "status": "pending"}

    def commit(self) -> None:
        with self.lock:
            self.commit_locked()

    def commit_locked(self) -> None:
        """Execute every pending tx in one block, as a proposer would."""
        height = len(self.blocks) + 1
        previous = self.blocks[-1]["time_ms"] if self.blocks else self.genesis.header.time_ms
        ctx = BlockContext(
            chain_id=self.chain_id, height=height, time_ms=max(now_ms(), previous + 1)
        )
        transition = execute_block(self.state, ctx, self.pending, (), tree=None)
        results = transition.results
        self.state.apply(transition.writes)
        for index, result in enumerate(results):
            self.statuses[result.tx_id.hex()] = {
                "tx_id": result.tx_id.hex(),
                "status": "committed",
                "height": height,
                "index": index,
                "result": result.to_json(),
                "reason": None,
            }
        proposer = self.genesis.document.validators.validators[0].public_key.hex()
        self.blocks.append(
            {
                "height": height,
                "time_ms": ctx.time_ms,
                "proposer": proposer,
                "tx_count": len(results),
            }
        )
        self.pending = []

    def tx_status(self, tx_id: str) -> dict[str, Any]:
        return self.statuses.get(tx_id) or {**pending_status(tx_id), "status": "unknown"}

    def _state(self, key: str) -> Answer:
        value = self.state.get(key)
        if value is None:
            return error(404, "NOT_FOUND", key)
        return ok({"key": key, "value": json.loads(value), "height": len(self.blocks)})

    def _record(self, key: str) -> Answer:
        value = self.state.get(key)
        if value is None:
            return error(404, "NOT_FOUND", key)
        prefix = key.partition("/")[0] + "/"
        if prefix in ENRICHED:
            return ok(self._enriched(prefix, json.loads(value)))
        return 200, "application/json", value

    def _list(self, prefix: str, query: dict[str, str]) -> Answer:
        entries = [(k, json.loads(v)) for k, v in self.state.items() if k.startswith(prefix)]
        if prefix in ENRICHED:
            entries = [(k, self._enriched(prefix, v)) for k, v in entries]
        return ok(paginate(entries, query))

    def _enriched(self, prefix: str, record: dict[str, Any]) -> dict[str, Any]:
        """A record as its list route serves it, with the fields the node adds: a case's
        lifecycle (ADR 0029), a project's tenure (ADR 0027), a batch's links (ADR 0028), a
        claim's decision and its policy's totals (ADR 0035)."""
        if prefix == "case/":
            return self._with_case_lifecycle(record)
        if prefix == "project/":
            return record | {"tenure": self._json_or_none(project_tenure_key(record["project_id"]))}
        if prefix == "insurance_claim/":
            return self._with_claim_decision(record)
        batch_id = record["batch_id"]
        return (
            record | {"links": self._json_or_none(batch_links_key(batch_id))} | self._held(batch_id)
        )

    def _held(self, batch_id: str) -> dict[str, int]:
        """A batch's kg in auction escrow and pledged, over all its serial blocks (ADR 0034,
        0032), as the node adds them."""
        blocks = [
            json.loads(v) for k, v in self.state.items() if k.startswith(f"serials/{batch_id}/")
        ]
        held = {"escrowed": 0, "pledged": 0}
        for block in blocks:
            if block["status"] in held:
                held[block["status"]] += block["quantity_kg"]
        return {"escrowed_kg": held["escrowed"], "pledged_kg": held["pledged"]}

    def _json_or_none(self, key: str) -> Any:
        value = self.state.get(key)
        return None if value is None else json.loads(value)

    def _with_case_lifecycle(self, record: dict[str, Any]) -> dict[str, Any]:
        """A case as GET /v1/cases serves it: with status, judgment and closure (ADR 0029)."""
        case = Case.from_json(record)
        return record | {
            "status": case_status_in(self.state, case),
            "judgment": self._json_or_none(case_judgment_key(case.case_id)),
            "closure": self._json_or_none(case_closure_key(case.case_id)),
        }

    def _with_claim_decision(self, record: dict[str, Any]) -> dict[str, Any]:
        """A claim as GET /v1/insurance-claims serves it: with its decision, decided and paid
        fen and its policy's totals (ADR 0035)."""
        decision = self._json_or_none(f"insurance_claim_decision/{record['claim_id']}")
        pairs = []
        for key, value in sorted(self.state.items()):
            if key.startswith("insurance_claim/"):
                claim = InsuranceClaim.from_json(json.loads(value))
                found = self._json_or_none(f"insurance_claim_decision/{claim.claim_id}")
                decided = None if found is None else InsuranceClaimDecision.from_json(found)
                pairs.append((claim, decided))
        policy = self._json_or_none(f"insurance/{record['policy_id']}")
        totals = policy_claim_totals(record["policy_id"], policy["sum_insured_fen"], pairs)
        return record | {
            "decision": decision,
            "decided_fen": None if decision is None else decision["decided_fen"],
            "paid_fen": None if decision is None else decision["paid_fen"],
            "policy_totals": totals.to_json(),
        }

    def transport(self) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            status, content_type, body = self.handle(
                request.method, str(request.url.raw_path, "ascii"), request.content
            )
            return httpx.Response(status, headers={"content-type": content_type}, content=body)

        return httpx.MockTransport(answer)


def paginate(entries: list[tuple[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    """Items after the cursor (the last key of the previous page), limit at a time."""
    limit = int(query.get("limit", PAGE_LIMIT_DEFAULT))
    cursor = query.get("cursor")
    after = [(k, v) for k, v in entries if cursor is None or k > cursor]
    page = after[:limit]
    next_cursor = page[-1][0] if len(after) > limit else None
    return {"items": [v for _, v in page], "next_cursor": next_cursor}


def pending_status(tx_id: str) -> dict[str, Any]:
    return {
        "tx_id": tx_id,
        "status": "pending",
        "height": None,
        "index": None,
        "result": None,
        "reason": None,
    }


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def ok(value: Any) -> Answer:
    return 200, "application/json", json.dumps(value, ensure_ascii=False).encode()


def error(status: int, code: str, detail: str) -> Answer:
    body = {"error": {"code": code, "detail": detail}}
    return status, "application/json", json.dumps(body).encode()


@contextmanager
def serve(node: FakeNode) -> Iterator[str]:
    """Serve node on 127.0.0.1 at a free port; yields its base URL."""
    with serve_answers(node.handle) as url:
        yield url


Handle = Callable[[str, str, bytes], Answer | None]
"""handle(method, path, body) -> the answer, or None to close the connection unanswered."""


@contextmanager
def serve_answers(handle: Handle, *, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve handle's answers on 127.0.0.1 at a free port; yields the base URL. With tls,
    only HTTPS: a plain-http request is dropped unanswered in the handshake, as uvicorn
    does."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(b"")

        def do_POST(self) -> None:
            self._answer(self.rfile.read(int(self.headers.get("content-length", 0))))

        def _answer(self, body: bytes) -> None:
            answer = handle(self.command, self.path, body)
            if answer is None:
                self.close_connection = True
                return
            status, content_type, payload = answer
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        scheme = "http" if tls is None else "https"
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
