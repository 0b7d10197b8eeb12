"""Re-sealed tamper cases: rebuild a receipt's state proofs, header, certificate and
checkpoint with the validators' own keys around a changed record: a quorum that signed
something the rules forbid, which only the record checks can catch."""

import base64
import copy
from collections.abc import Callable, Iterator
from typing import Any

from protocol.encoding import encode
from protocol.hashing import TAG_HEADER, Hash32, sha256, tagged_hash
from protocol.log import MemoryLogStore, MerkleLog
from protocol.note import checkpoint_at_height, format_signed_note, sign_note
from protocol.receipt_digest import receipt_digest, receipt_identity
from protocol.signing import SigningKey
from protocol.smt import MemorySmtStore, SparseMerkleTree
from protocol.votes import sign_certificate
from tests.receipts.tamper import Receipt, TamperCase, _set


def reseal(
    receipt: Receipt,
    validator_keys: list[tuple[str, SigningKey]],
    edit: Callable[[dict[str, Any]], object],
    *,
    header_edit: Callable[[dict[str, Any]], None] | None = None,
) -> Receipt:
    """Edit the records (and the header), then rebuild state proofs, header, certificate and
    checkpoint so that every signature and proof is valid again (the validators sign it all)."""
    forged = copy.deepcopy(receipt)
    records = {e["key"]: e["value"] for e in forged["state"]}
    edit(records)
    tree = SparseMerkleTree(MemorySmtStore())
    root = tree.update(0, {k.encode(): encode(v) for k, v in records.items() if v is not None})
    forged["state"] = [
        {"key": k, "value": v, "proof": tree.prove(k.encode(), 0).to_json()}
        for k, v in sorted(records.items(), key=lambda item: item[0].encode())
    ]
    header = forged["block"]["header"]
    header["state_root"] = root.hex()
    if header_edit is not None:
        header_edit(header)
    block_hash = tagged_hash(TAG_HEADER, encode(header))
    chain_id = Hash32(bytes.fromhex(header["chain_id"]))
    keys = [key for _, key in validator_keys]
    certificate = sign_certificate(chain_id, header["height"], block_hash, keys)
    forged["block"]["certificate"] = certificate.to_json()
    forged["history_proof"], path = _forged_history(header, chain_id, validator_keys)
    if "checkpoint_header" in forged:
        # The forged log ends with the block: it is also the checkpoint's last header.
        forged["checkpoint_header"] = {"header": copy.deepcopy(header), "history_path": path}
    return redigest(forged)


def redigest(receipt: Receipt) -> Receipt:
    """Set a version-2, 3 or 4 receipt's receipt_digest to the digest of its parts (§14.6): a forger
    who re-signs the block would do the same, so the digest check is not what stops them."""
    if receipt.get("receipt_version") in (2, 3, 4):
        identity = receipt_identity(
            retirement_id=Hash32(bytes.fromhex(receipt["retirement_id"])),
            block_hash=tagged_hash(TAG_HEADER, encode(receipt["block"]["header"])),
            signed_tx=receipt["tx"]["signed_tx"],
            result=receipt["tx"]["result"],
            records=[(e["key"], e["value"]) for e in receipt["state"]],
        )
        receipt["receipt_digest"] = receipt_digest(identity).hex()
    return receipt


def _forged_history(
    header: dict[str, Any], chain_id: Hash32, validator_keys: list[tuple[str, SigningKey]]
) -> tuple[str, list[str]]:
    """A signed log whose last leaf is header: the tlog-proof text and the header's path."""
    log = MerkleLog(MemoryLogStore())
    for height in range(header["height"]):
        log.append(sha256(b"forged history %d" % height))
    log.append(encode(header))
    size = header["height"] + 1
    hashes = log.inclusion_proof(header["height"], size)
    text = checkpoint_at_height(chain_id=chain_id, height=size - 1, root_hash=log.root()).body()
    note = format_signed_note(text, [sign_note(text, name, key) for name, key in validator_keys])
    lines = ["c2sp.org/tlog-proof@v1", f"index {header['height']}"]
    lines += [base64.b64encode(h).decode() for h in hashes]
    return "\n".join(lines) + "\n\n" + note, [h.hex() for h in hashes]


def reseal_cases(
    receipt: Receipt, validator_keys: list[tuple[str, SigningKey]]
) -> Iterator[TamperCase]:
    """Semantic cases: each record lie, sealed by the validators, fails its own check."""

    def one(name: str, code: str, edit: Callable[[dict[str, Any]], None]) -> TamperCase:
        return TamperCase(name, encode(reseal(receipt, validator_keys, edit)), code)

    def lie(prefix: str, name: str, value: object) -> Callable[[dict[str, Any]], None]:
        """The first record whose key starts with prefix says value for name."""

        def edit(records: dict[str, Any]) -> None:
            _set(next(v for k, v in records.items() if k.startswith(prefix)), name, value)

        return edit

    yield one("re-sealed unchanged (control)", "", lambda _records: None)
    yield one(
        "a court signature from a key without the court role",
        "COURT_ROLE_MISSING",
        lie("institution/xiangshan-court", "roles", ["procuratorate"]),
    )
    yield one(
        "retirement quantity differs from the tx",
        "RETIREMENT_MISMATCH",
        lie("retirement/", "account_id", "someone-else"),
    )
    yield one(
        "ranges do not add up to the quantity",
        "QUANTITY_MISMATCH",
        lie("retirement/", "ranges", [[1, 100]]),
    )
    yield one("a serial block not retired", "SERIALS_MISMATCH", lie("serials/", "status", "active"))
    yield one(
        "the case does not list the retirement", "CASE_MISMATCH", lie("case/", "retirement_ids", [])
    )
    yield one(
        "batch of another project", "MISSING_RECORD", lie("batch/", "project_id", "another-project")
    )
