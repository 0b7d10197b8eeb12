"""Signed txs for the integration tier, made with the keys of a `lantan net` directory.

The Xiangshan case reuses the step bodies of genesis/example/xiangshan_case.py with
the network's names and keys in place of the fixed test keys. Streams of cheap txs use
insurance.attest (an issuer or trading centre attests a policy on the Ecological Account):
it is always accepted for a fresh policy id and moves no units.
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from genesis.document import parse_genesis
from genesis.example import xiangshan_case
from genesis.example.parties import ECO_ACCOUNT
from genesis.example.txs import TxSigner, attest_body
from genesis.keystore import read_keystore, unlock_keystore
from genesis.network import GENESIS_FILE, PASSPHRASE_FILE
from protocol.encoding import JsonObject, JsonValue, encode
from protocol.hashing import Hash32
from protocol.note import verifier_key_string
from protocol.signing import PublicKey, SigningKey
from protocol.tx import SignedTx
from tests.integration.network import LocalNet, wait_for

TX_LIFETIME_MS = 3_600_000
CASE_ID = xiangshan_case.CASE_ID
BATCH_ID = xiangshan_case.BATCH_ID
SUBSCRIBED_KG = xiangshan_case.SUBSCRIBED_KG
TOWNSHIP_ACCOUNT = xiangshan_case.TOWNSHIP_ACCOUNT


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def wire(signed: SignedTx) -> bytes:
    """The bytes a client POSTs for one tx."""
    return encode(signed.to_json())


def batch_wire(txs: Sequence[SignedTx]) -> bytes:
    return encode({"txs": [signed.to_json() for signed in txs]})


class NetKeys:
    """Every key of the network directory, unlocked with its dev passphrase file."""

    def __init__(self, directory: Path) -> None:
        self._keys: dict[str, SigningKey] = {}
        for keystore_path in sorted(directory.glob("*/keystore.json")):
            folder = keystore_path.parent
            passphrase = (folder / PASSPHRASE_FILE).read_bytes().rstrip(b"\r\n")
            self._keys[folder.name] = unlock_keystore(read_keystore(folder), passphrase)

    def __getitem__(self, name: str) -> SigningKey:
        return self._keys[name]

    def public(self, name: str) -> PublicKey:
        return self._keys[name].public_key

    def name_of(self, public_key: PublicKey) -> str:
        (name,) = [n for n, key in self._keys.items() if key.public_key == public_key]
        return name


@dataclass(frozen=True, slots=True, kw_only=True)
class EcologicalAccount:
    """The genesis account of kind "ecological" and the key folder of its holder."""

    account_id: str
    holder: str


def ecological_account(directory: Path, keys: NetKeys) -> EcologicalAccount:
    document = parse_genesis((directory / GENESIS_FILE).read_bytes())
    (account,) = [a for a in document.accounts if a.kind == "ecological"]
    return EcologicalAccount(account_id=account.account_id, holder=keys.name_of(account.holder_key))


class TxBuilder:
    """Builds signed txs for one chain, counting each sender's nonces locally."""

    def __init__(self, net: LocalNet, keys: NetKeys) -> None:
        self.net = net
        self.keys = keys
        self.chain_id: Hash32 = net.chain_id
        self._nonces: dict[PublicKey, int] = {}
        self.eco = ecological_account(net.directory, keys)

    def key(self, sender: str | SigningKey) -> SigningKey:
        return self.keys[sender] if isinstance(sender, str) else sender

    def next_nonce(self, sender: SigningKey) -> int:
        """The sender's next nonce: the first use asks a running validator for the committed one."""
        key = sender.public_key
        if key not in self._nonces:
            self._nonces[key] = self._committed_nonce(key)
        self._nonces[key] += 1
        return self._nonces[key]

    def _committed_nonce(self, key: PublicKey) -> int:
        for name in self.net.validators:
            if self.net.running(name):
                return int(self.net.get_json(name, f"/v1/nonces/{key.hex()}")["committed"])
        raise AssertionError("no validator is running")

    def forget_nonce(self, sender: str | SigningKey) -> None:
        """Read the sender's nonce from the chain again on its next tx."""
        self._nonces.pop(self.key(sender).public_key, None)

    def build(
        self,
        tx_type: str,
        sender: str | SigningKey,
        body: JsonObject,
        cosigners: Iterable[str | SigningKey] = (),
        *,
        nonce: int | None = None,
        expires_at_ms: int | None = None,
    ) -> SignedTx:
        key = self.key(sender)
        return TxSigner(self.chain_id).sign(
            tx_type,
            key,
            body,
            [self.key(cosigner) for cosigner in cosigners],
            nonce=self.next_nonce(key) if nonce is None else nonce,
            expires_at_ms=now_ms() + TX_LIFETIME_MS if expires_at_ms is None else expires_at_ms,
        )

    def attest(self, sender: str, policy_id: str) -> SignedTx:
        return self.build("insurance.attest", sender, attest_body(policy_id, self.eco.account_id))

    def attest_stream(self, sender: str, prefix: str, count: int) -> list[SignedTx]:
        return [self.attest(sender, f"{prefix}-{index}") for index in range(count)]


# --- the Xiangshan case ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class NetCaseStep:
    label: str
    tx_type: str
    sender: str | SigningKey
    cosigners: tuple[str | SigningKey, ...]
    body: JsonObject


def xiangshan_case_on_net(
    township: SigningKey,
    eco: EcologicalAccount,
    steps: Sequence[xiangshan_case.CaseStep] = xiangshan_case.XIANGSHAN_CASE_STEPS,
    *,
    made_keys: Mapping[str, SigningKey] | None = None,
) -> list[NetCaseStep]:
    """The case's steps (by default the 8 of xiangshan_case.py) with this network's parties.

    The vectors' Ecological Account becomes the net's (genesis) one, whose holder sends the
    judicial retirement; the township holder is a key the test makes, and so is each party
    of made_keys that the steps register as a new institution (the court-grade case's
    verifier): its key signs as that party and stands in its institution.register body.
    """
    made = dict(made_keys or {})
    parties: dict[str, str | SigningKey] = {
        TOWNSHIP_ACCOUNT: township,
        "xiangshan-county": "xiangshan-county",
        **made,
    }
    on_net = []
    for step in steps:
        body = _on_net(step.body, eco.account_id)
        sender: str | SigningKey = parties.get(step.sender, step.sender)
        if step.tx_type == "account.open":
            body = {**body, "holder_key": township.public_key.hex()}
        if step.tx_type == "institution.register" and body["institution_id"] in made:
            own = made[str(body["institution_id"])]
            body = {**body, "public_keys": [own.public_key.hex()]}
        if step.tx_type == "credits.retire_judicial":
            # The holder of the net's Ecological Account sends it; the court confirms.
            sender = eco.holder
        on_net.append(
            NetCaseStep(
                label=step.label,
                tx_type=step.tx_type,
                sender=sender,
                cosigners=tuple(parties.get(name, name) for name in step.cosigners),
                body=body,
            )
        )
    return on_net


def _on_net(value: Any, account_id: str) -> Any:
    if isinstance(value, dict):
        return {key: _on_net(item, account_id) for key, item in value.items()}
    if isinstance(value, list):
        return [_on_net(item, account_id) for item in value]
    return account_id if value == ECO_ACCOUNT else value


# --- submitting and following ------------------------------------------------------------


def submit_to(net: LocalNet, names: Sequence[str], body: bytes) -> dict[str, httpx.Response]:
    """POST /v1/txs to each named node in parallel; unreachable nodes are left out."""

    def post(name: str) -> tuple[str, httpx.Response | None]:
        try:
            return name, net.post(name, "/v1/txs", body)
        except httpx.HTTPError:
            return name, None

    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        answers = list(pool.map(post, names))
    return {name: response for name, response in answers if response is not None}


def submit_batch(net: LocalNet, names: Sequence[str], txs: Sequence[SignedTx]) -> int:
    """Submit txs as one batch to every named node; returns how many nodes answered 202.

    Asserts that at least one node admitted every tx (pending or already known).
    """
    answers = submit_to(net, names, batch_wire(txs))
    admitted_somewhere: set[int] = set()
    for response in answers.values():
        assert response.status_code == 202, response.text[:300]
        for index, result in enumerate(response.json()["results"]):
            if result["status"] == "pending":
                admitted_somewhere.add(index)
    assert admitted_somewhere == set(range(len(txs))), (
        f"txs admitted nowhere: {sorted(set(range(len(txs))) - admitted_somewhere)[:10]}"
    )
    return len(answers)


def wait_committed(
    net: LocalNet, name: str, tx_id: Hash32, *, timeout_s: float = 60.0
) -> dict[str, Any]:
    """GET /v1/txs/{id}?wait_ms= on one node until the tx is committed; returns the status."""

    def committed() -> dict[str, Any] | None:
        status: dict[str, Any] = net.get_json(name, f"/v1/txs/{tx_id.hex()}", wait_ms=2000)
        assert status["status"] in ("pending", "committed", "unknown"), status
        return status if status["status"] == "committed" else None

    return wait_for(committed, timeout_s, f"tx {tx_id.hex()[:16]} committed on {name}")


def commit_everywhere(
    net: LocalNet, names: Sequence[str], signed: SignedTx, *, timeout_s: float = 60.0
) -> int:
    """Submit to every named node; the tx must be committed and accepted on each (so the next
    step sees its effects wherever it asks). Returns its height."""
    answers = submit_to(net, names, wire(signed))
    assert any(a.status_code == 202 for a in answers.values()), {
        n: a.text for n, a in answers.items()
    }
    heights = set()
    for name in names:
        status = wait_committed(net, name, signed.tx_id, timeout_s=timeout_s)
        assert status["result"]["status"] == "accepted", (name, status)
        heights.add(status["height"])
    (height,) = heights
    return int(height)


def set_with_member(
    members: Sequence[JsonObject], keys: NetKeys, name: str, quorum: int
) -> JsonObject:
    """A validators.update validator_set: members and name's entry, sorted by public key."""
    entry: JsonObject = {
        "name": name,
        "public_key": keys.public(name).hex(),
        "note_verifier_key": verifier_key_string(name, keys.public(name)),
    }
    ordered = sorted([*members, entry], key=lambda v: str(v["public_key"]))
    validators: list[JsonValue] = list(ordered)
    return {"validators": validators, "quorum": quorum}


def certificate_signers(net: LocalNet, name: str, height: int) -> set[str]:
    """The validator keys (hex) whose precommits certify node name's block at height."""
    certificate = net.block(name, height)["certificate"]
    return {entry["validator"] for entry in certificate["signatures"]}


def wait_precommit_of(
    net: LocalNet,
    names: Sequence[str],
    builder: "TxBuilder",
    key_hex: str,
    *,
    after_height: int,
    stream: tuple[str, int],
    timeout_s: float,
) -> int:
    """Commit attest streams (label, count) through names until a certificate above
    after_height holds key_hex's precommit; each has >= 3 signers. Returns its height."""
    label, count = stream

    def precommitted() -> int | None:
        txs = builder.attest_stream("xiamen-ptc", f"{label}-{time.monotonic_ns()}", count)
        submit_batch(net, names, txs)
        status = wait_committed(net, names[0], txs[-1].tx_id, timeout_s=60)
        for height in range(after_height + 1, status["height"] + 1):
            found = certificate_signers(net, names[0], height)
            assert len(found) >= 3, (height, found)
            if key_hex in found:
                return height
        return None

    return wait_for(precommitted, timeout_s, "the court's precommit in a certificate")


def committed_locations(
    net: LocalNet, name: str, first_height: int, last_height: int
) -> dict[str, tuple[int, int, str]]:
    """tx_id hex -> (height, index, result status) for the node's blocks in the range."""
    locations = {}
    for height in range(first_height, last_height + 1):
        results = net.block(name, height)["results"]
        for index, result in enumerate(results):
            locations[result["tx_id"]] = (height, index, result["status"])
    return locations


def tx_statuses(net: LocalNet, name: str, tx_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """GET /v1/txs/{id} for each id on one node (a few in parallel)."""

    def fetch(tx_id: str) -> tuple[str, dict[str, Any]]:
        return tx_id, net.get_json(name, f"/v1/txs/{tx_id}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        return dict(pool.map(fetch, list(tx_ids)))
