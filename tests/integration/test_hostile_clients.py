"""One hostile client against a real validator process (issue 10, findings 3, 4, 7, 8).

For each abuse class the attacked node's peak RSS stays under 300 MB (VmHWM from /proc),
/healthz keeps answering on fresh connections while the attack runs, and an honest tx
from another sender, submitted to the attacked node during the attack, commits.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from genesis.example.txs import attest_body
from node.net_processes import read_pid
from protocol.signing import SigningKey
from protocol.tx import SignedTx, sign_tx
from tests.integration.hostile_client import (
    MIB,
    HealthProbe,
    SlowLoris,
    content_length_plus_chunked,
    deep_nesting,
    post_raw,
    rss_kib,
)
from tests.integration.network import NETS_STASH, LocalNet, local_net
from tests.integration.txs import TxBuilder, batch_wire, wait_committed, wire

pytestmark = pytest.mark.slow
RSS_MAX_KIB = 300 * 1024
HEADER_TIMEOUT_S = 2.0
"""Set for this module's nodes (LANTAN_HEADER_TIMEOUT_MS; the default is 10 s)."""


@dataclass
class Target:
    net: LocalNet
    name: str
    pid: int
    host: str
    port: int

    @property
    def url(self) -> str:
        return self.net.url(self.name)


@pytest.fixture(scope="module")
def net(net_directory: Path, request: pytest.FixtureRequest) -> Iterator[LocalNet]:
    """The conftest network, its nodes started with a short header timeout."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LANTAN_HEADER_TIMEOUT_MS", str(int(HEADER_TIMEOUT_S * 1000)))
        with local_net(net_directory) as running:
            patch.delenv("LANTAN_HEADER_TIMEOUT_MS")
            request.config.stash.setdefault(NETS_STASH, []).append(running)
            yield running
            request.config.stash[NETS_STASH].remove(running)


@pytest.fixture(scope="module")
def target(net: LocalNet) -> Target:
    name = net.validators[0]
    net.wait_ready(name)
    pid = read_pid(net.directory / name)
    assert pid is not None
    return Target(net=net, name=name, pid=pid, host="127.0.0.1", port=net.config(name).port)


@pytest.fixture
def probe(target: Target) -> Iterator[HealthProbe]:
    """/healthz polled on fresh connections for the whole test; checked at its end."""
    health = HealthProbe(target.url)
    with health.running():
        yield health
    assert health.failures == [], f"/healthz failed during the attack: {health.failures[:5]}"
    assert len(health.latencies_s) >= 2, "/healthz was not answered during the attack"
    _, peak = rss_kib(target.pid)
    assert peak < RSS_MAX_KIB, f"peak RSS {peak} KiB"


def verifications(target: Target) -> float:
    return target.net.metrics(target.name)["lantan_tx_signature_verifications_total"]


def honest_tx_commits(builder: TxBuilder, target: Target, sender: str, policy: str) -> None:
    signed = builder.attest(sender, policy)
    response = target.net.post(target.name, "/v1/txs", wire(signed))
    assert response.status_code == 202, response.text[:300]
    status = wait_committed(target.net, target.name, signed.tx_id, timeout_s=30)
    assert status["result"]["status"] == "accepted"


def test_content_length_with_a_chunked_100_mib_body_is_cut_off_as_it_streams(
    target: Target, builder: TxBuilder, probe: HealthProbe
) -> None:
    # Before: the header's "10" passed the limit and all 100 MiB were read and parsed.
    status, sent = content_length_plus_chunked(target.host, target.port, 100 * MIB)
    assert status == 413
    assert sent < 64 * MIB, f"the node let {sent} bytes through before refusing"
    honest_tx_commits(builder, target, "xiamen-ptc", "hostile-chunked")


def test_deep_nesting_is_refused_without_blocking_the_node(
    target: Target, builder: TxBuilder, probe: HealthProbe
) -> None:
    # Before: a 15 MiB nested list was parsed on the event loop (/healthz blocked 11 s).
    too_big = post_raw(target.url, deep_nesting(15 * MIB))
    assert too_big.status_code == 413, too_big.text[:200]
    within_size = post_raw(target.url, deep_nesting(4 * MIB - 1024))
    assert (within_size.status_code, within_size.json()["error"]["code"]) == (413, "TOO_COMPLEX")
    honest_tx_commits(builder, target, "xiamen-ptc", "hostile-nesting")


def test_1100_slow_loris_sockets_neither_lock_out_clients_nor_stay_open(
    target: Target, builder: TxBuilder, probe: HealthProbe
) -> None:
    # Before: half-sent requests were held open for as long as the client liked.
    loris = SlowLoris(target.host, target.port, 1100)
    try:
        loris.open()
        opened = time.monotonic()
        honest_tx_commits(builder, target, "xiamen-ptc", "hostile-loris")
        loris.trickle()  # a byte now and then keeps a slow-loris "alive"; not here
        # Closed within the header timeout of their opening, and slack: polled, so the test
        # goes on as soon as the node has closed them. The slack is for a loaded box (the
        # CI's tier runs three networks on two cores): 2 s let 1,066 of 1,100 be closed in
        # time once, the rest a moment later; 8 s still tells a bound from none (a socket
        # held for as long as its client likes).
        deadline = opened + HEADER_TIMEOUT_S + 8.0
        wanted = len(loris.sockets) - 10
        while (closed := loris.closed_by_node()) < wanted and time.monotonic() < deadline:
            time.sleep(0.1)
        assert closed >= wanted, f"only {closed} of {len(loris.sockets)} closed"
    finally:
        loris.close()
    log = (target.net.directory / target.name / "node.log").stat().st_size
    assert log < 1024 * 1024, f"node.log grew to {log} bytes"


def test_a_5000_tx_flood_from_one_sender_leaves_room_for_others(
    target: Target, builder: TxBuilder, probe: HealthProbe
) -> None:
    flood = builder.attest_stream("ningbo-ptc", "flood", 5000)
    answers = [
        target.net.post(target.name, "/v1/txs", batch_wire(flood[i : i + 1000]))
        for i in range(0, len(flood), 1000)
    ]
    busy = [a for a in answers if a.status_code == 429]
    assert busy, [a.status_code for a in answers]
    assert all(a.headers.get("retry-after") for a in busy)
    reasons = {r["reason"] for a in busy for r in a.json()["results"]}
    assert "sender_quota_exceeded" in reasons
    # Round-robin proposal: the honest tx does not queue behind the flood's 2,000.
    honest_tx_commits(builder, target, "xiamen-ptc", "hostile-flood")
    builder.forget_nonce("ningbo-ptc")


def test_1000_unknown_sender_txs_with_16_signatures_cost_no_verification(
    target: Target, builder: TxBuilder, probe: HealthProbe
) -> None:
    # Before: all 16 signatures of each were verified before the sender was looked up.
    cosigners = [SigningKey(bytes([200, i]) + bytes(30)) for i in range(15)]
    txs: list[SignedTx] = []
    for index in range(1000):
        stranger = SigningKey(index.to_bytes(4, "big") + bytes(28))
        body = attest_body(f"stranger-{index}", builder.eco.account_id)
        signed = builder.build("insurance.attest", stranger, body, nonce=1)
        for cosigner in cosigners:
            signed = sign_tx(signed, cosigner)
        assert len(signed.signatures) == 16
        txs.append(signed)
    verified_before = verifications(target)
    for start in (0, 500):
        answer = post_raw(target.url, batch_wire(txs[start : start + 500]))
        assert answer.status_code == 202, answer.text[:200]
        reasons = {r["reason"] for r in answer.json()["results"]}
        assert reasons == {"unknown_sender"}, reasons
    assert verifications(target) - verified_before < 100
    honest_tx_commits(builder, target, "xiamen-ptc", "hostile-unknown")


def test_the_node_still_answers_plainly_after_every_attack(target: Target) -> None:
    assert httpx.get(f"{target.url}/healthz", timeout=5).status_code == 200
    assert target.net.get(target.name, "/readyz").status_code == 200
