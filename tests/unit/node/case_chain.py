"""Node-level chains with content, for the read port and the web pages: the Xiangshan case
of tests/vectors/contracts committed on a real Ledger, and a trading chain of many small
transfers (it writes a serial block per tx, which the serial history indexes).

Institutions sign with the keys of chain_kit; accounts that are not institutions (the
township) with their fixed party keys, as the case's bodies name them.
"""

from dataclasses import dataclass
from typing import Any

from genesis.example.parties import party_key
from genesis.example.xiangshan_case import TOWNSHIP_ACCOUNT, xiangshan_case_steps
from genesis.network import ECOLOGICAL_ACCOUNT_ID
from node.ledger import Ledger
from node.service import NodeService
from protocol.note import sign_note
from protocol.signing import SigningKey
from protocol.tx import PROTOCOL_VERSION, SignedTx, UnsignedTx, sign_tx
from tests.unit.node.chain_kit import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    KEYS,
    TX_LIFETIME_MS,
    VALIDATOR_NAMES,
    build_and_commit,
)
from tests.vectors.attestation_example import BODY as ATTEST_BODY
from tests.vectors.case_lifecycle_example import CLOSE_BODY, JUDGMENT_BODY
from tests.vectors.links_example import BODY as LINK_BODY
from tests.vectors.tenure_example import BODY as TENURE_BODY

EXPIRES_AT_MS = GENESIS_TIME_MS + 100 * TX_LIFETIME_MS


def key(name: str) -> SigningKey:
    return KEYS[name] if name in KEYS else party_key(name)


class Signer:
    """Signs txs with each sender's next nonce."""

    def __init__(self, expires_at_ms: int = EXPIRES_AT_MS) -> None:
        self.nonces: dict[str, int] = {}
        self.expires_at_ms = expires_at_ms

    def tx(
        self, sender: str, tx_type: str, body: dict[str, Any], cosigners: tuple[str, ...] = ()
    ) -> SignedTx:
        self.nonces[sender] = self.nonces.get(sender, 0) + 1
        unsigned = UnsignedTx(
            chain_id=CHAIN_ID,
            protocol_version=PROTOCOL_VERSION,
            type=tx_type,
            sender=key(sender).public_key,
            nonce=self.nonces[sender],
            expires_at_ms=self.expires_at_ms,
            body=body,
        )
        signed = sign_tx(unsigned, key(sender))
        for name in cosigners:
            signed = sign_tx(signed, key(name))
        return signed


@dataclass(frozen=True)
class CaseTxs:
    """tx ids (hex) of the case, by tx type."""

    by_type: dict[str, str]


def open_account(signer: Signer, account_id: str, holder: str, kind: str) -> SignedTx:
    body = {
        "account_id": account_id,
        "holder_key": key(holder).public_key.hex(),
        "display_name": f"{account_id} 账户",
        "kind": kind,
    }
    return signer.tx("ningbo-ptc", "account.open", body)


def run_case(ledger: Ledger, signer: Signer | None = None) -> CaseTxs:
    """The Xiangshan case, one tx per block, after opening the Ecological Account (the
    chain_kit genesis has none), then one empty block."""
    signer = signer or Signer()
    eco = open_account(signer, ECOLOGICAL_ACCOUNT_ID, "xiangshan-county", "ecological")
    build_and_commit(ledger, (eco,))
    by_type = {}
    for step in xiangshan_case_steps():
        signed = signer.tx(step.sender, step.tx_type, dict(step.body), step.cosigners)
        prepared = build_and_commit(ledger, (signed,))
        assert prepared.results[0].reason is None, (step.label, prepared.results[0])
        by_type[step.tx_type] = signed.tx_id.hex()
    build_and_commit(ledger)
    return CaseTxs(by_type=by_type)


VERIFIER = "blue-carbon-auditor"
ATTESTED_ID = str(ATTEST_BODY["verification_id"])
ATTESTED_BATCH = "huangbiao-mariculture-2023-v1"


def attestation_txs(signer: Signer) -> tuple[SignedTx, ...]:
    """After the case's project: the validator quorum accredits the auditor as a verifier
    (ADR 0026), it attests the 2023 verification of the worked example of docs/STATE.md, and
    the county issues a 2023 batch of 200,000 kg (10% buffer) from it."""
    grant = {"institution_id": VERIFIER, "role": "verifier"}
    issue = {
        "batch_id": ATTESTED_BATCH,
        "verification_id": ATTESTED_ID,
        "vintage": 2023,
        "quantity_kg": 180_000,
        "buffer_kg": 20_000,
        "to_account": TOWNSHIP_ACCOUNT,
    }
    return (
        signer.tx("xiangshan-county", "role.grant", grant, ("ningbo-ptc",)),
        signer.tx(VERIFIER, "verification.attest", {**ATTEST_BODY, "verifier": VERIFIER}),
        signer.tx("xiangshan-county", "credits.issue", issue),
    )


def run_attestation(ledger: Ledger, signer: Signer) -> CaseTxs:
    """attestation_txs, one a block, each accepted (run_case first, with the same signer)."""
    return run_each(ledger, attestation_txs(signer))


SECOND_CASE = "xiangshan-2024-marine-002"


def case_lifecycle_txs(signer: Signer) -> tuple[SignedTx, ...]:
    """After the case's judicial retirement: the court records the judgment of the worked
    example of docs/STATE.md and closes the case as satisfied (ADR 0029); the procuratorate
    registers a second case, which stays `registered`."""
    second = dict(xiangshan_case_steps()[4].body) | {"case_id": SECOND_CASE}
    return (
        signer.tx("xiangshan-court", "case.judgment", dict(JUDGMENT_BODY)),
        signer.tx("xiangshan-court", "case.close", dict(CLOSE_BODY)),
        signer.tx("xiangshan-procuratorate", "case.register", second),
    )


def tenure_and_links_txs(signer: Signer) -> tuple[SignedTx, ...]:
    """After attestation_txs: the county records the Huangbi'ao project's boundary and
    sea-area use certificate (ADR 0027) and links the case's batch to its CCER id with three
    labels (ADR 0028), the worked examples of docs/STATE.md; the township retires 1,000 kg
    of the attested batch (a voluntary retirement from an accredited verification)."""
    retire = {
        "account_id": TOWNSHIP_ACCOUNT,
        "batch_id": ATTESTED_BATCH,
        "quantity_kg": 1_000,
        "beneficiary": "某企业",
        "purpose": "voluntary offset",
        "reason": "2023 emissions",
    }
    return (
        signer.tx("xiangshan-county", "project.tenure", dict(TENURE_BODY)),
        signer.tx("xiangshan-county", "batch.link", dict(LINK_BODY)),
        signer.tx(TOWNSHIP_ACCOUNT, "credits.retire", retire),
    )


def run_linked(ledger: Ledger) -> CaseTxs:
    """run_case, run_attestation, then tenure_and_links_txs, one tx a block, one signer."""
    signer = Signer()
    by_type = run_case(ledger, signer).by_type | run_attestation(ledger, signer).by_type
    return CaseTxs(by_type=by_type | run_each(ledger, tenure_and_links_txs(signer)).by_type)


def run_each(ledger: Ledger, txs: tuple[SignedTx, ...]) -> CaseTxs:
    """txs, one a block, each accepted."""
    by_type = {}
    for signed in txs:
        prepared = build_and_commit(ledger, (signed,))
        assert prepared.results[0].reason is None, (signed.tx.type, prepared.results[0])
        by_type[signed.tx.type] = signed.tx_id.hex()
    return CaseTxs(by_type=by_type)


def sign_checkpoint(service: NodeService) -> None:
    """Two validators sign the checkpoint of the head (a quorum of the chain_kit set)."""
    ledger = service.ledger
    book, validators = service.checkpoints, ledger.validators_for_next_height()
    size, root = ledger.height + 1, ledger.history_root()
    book.set_committed_root(size, root)
    for name in VALIDATOR_NAMES[:2]:
        line = sign_note(book.checkpoint(size, root).body(), name, KEYS[name]).line()
        book.add(size=size, root=root, line=line, validators=validators)


def trading_chain(ledger: Ledger, transfers: int, per_block: int, accounts: int = 20) -> int:
    """After the case: `transfers` transfers of 5 kg from the township to other accounts,
    per_block txs a block. Returns the number of txs committed."""
    signer = Signer()
    run_case(ledger, signer)
    ids = [f"trader-{n}" for n in range(accounts)]
    opens = tuple(open_account(signer, a, a, "enterprise") for a in ids)
    build_and_commit(ledger, opens)
    sent = 0
    while sent < transfers:
        count = min(per_block, transfers - sent)
        txs = tuple(
            signer.tx(
                "huangbiao-township",
                "credits.transfer",
                {
                    "from_account": "huangbiao-township",
                    "to_account": ids[(sent + n) % accounts],
                    "batch_id": "huangbiao-mariculture-2022-v1",
                    "quantity_kg": 5,
                    "broker": None,
                },
            )
            for n in range(count)
        )
        prepared = build_and_commit(ledger, txs)
        assert all(r.reason is None for r in prepared.results), prepared.results[0]
        sent += count
    return sent + len(opens) + len(xiangshan_case_steps()) + 1
