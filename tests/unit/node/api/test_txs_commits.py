"""Admission racing a commit: a block committed during a batch, or while a tx's copy is in
admission, answers the tx committed; the mempool cleanup after a commit reads only the
nonces of the block's senders.
"""

from typing import Any

import pytest

import node.service as service_module
from contracts import admission
from contracts.state import StateView
from protocol.encoding import encode
from protocol.signing import PublicKey
from tests.unit.node.api.kit import (
    NINGBO,
    Api,
    accepted,
    post_tx,
)
from tests.unit.node.chain_kit import (
    account_open,
    build_and_commit,
    make_tx,
)


def test_a_block_committed_during_a_batch_is_seen_by_the_rest_of_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records a batch read are kept for one committed state only: the same tx twice in
    a batch, with the block holding it committed after the first copy was admitted, is
    answered committed both times (a view kept for the whole batch would still read the
    nonce before the block and refuse the second copy's nonce)."""
    tx = account_open(1, "township")
    admit_one = api.service.admission._admit_one
    calls: list[int] = []

    def committed_after_the_first(*args: Any) -> Any:
        checked = admit_one(*args)
        calls.append(1)
        if len(calls) == 1:
            build_and_commit(api.ledger, (tx,))
        return checked

    monkeypatch.setattr(api.service.admission, "_admit_one", committed_after_the_first)
    response = api.client.post("/v1/txs", content=encode({"txs": [tx.to_json()] * 2}))
    committed = accepted(tx, "committed", height=1, index=0)
    assert response.json()["results"] == [committed, committed]


def test_the_cleanup_after_a_commit_reads_the_nonces_of_the_blocks_senders_only(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cleanup runs on the event loop after every block: it once read the committed
    # nonce of every sender with txs pending. The block reaches it from the ledger's commit,
    # whichever path committed it (here neither consensus nor sync: the ledger itself).
    first, second = account_open(1), account_open(2)
    assert [post_tx(api, t).status_code for t in (first, second)] == [202, 202]
    elsewhere = make_tx("xiamen-ptc", "account.open", {"n": 1}, nonce=1)
    api.service.mempool.add(elsewhere, elsewhere.tx_id, 100)  # a sender the block lacks
    read: list[PublicKey] = []

    def committed_nonce(state: StateView, sender: PublicKey) -> int:
        read.append(sender)
        return admission.committed_nonce(state, sender)

    monkeypatch.setattr(service_module, "committed_nonce", committed_nonce)
    build_and_commit(api.ledger, (first,))
    api.service.after_commit()
    assert read == [NINGBO]
    pool = api.service.mempool
    assert (first.tx_id in pool, second.tx_id in pool, elsewhere.tx_id in pool) == (
        False,
        True,
        True,
    )
    assert pool.pending_nonce(NINGBO) == 2
    api.service.after_commit()  # no block since: nothing is read
    assert read == [NINGBO]


def test_a_tx_committed_while_its_copy_was_in_admission_is_answered_committed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other validators' copies can get the tx into a block this node applies while
    this node still admits the client's copy (a loaded node): that copy then passed the
    nonce check against the state before the block, and must be answered as committed,
    not refused for its nonce."""
    tx = account_open(1, "township")
    admit_all = api.service.admission._admit_all

    def admitted_then_committed(*args: Any) -> Any:
        checked = admit_all(*args)
        build_and_commit(api.ledger, (tx,))  # the block lands before the mempool entry
        return checked

    monkeypatch.setattr(api.service.admission, "_admit_all", admitted_then_committed)
    response = post_tx(api, tx)
    assert (response.status_code, response.json()) == (
        202,
        accepted(tx, "committed", height=1, index=0),
    )
    assert tx.tx_id not in api.service.mempool
