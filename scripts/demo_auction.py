"""The Huangbi'ao sealed-bid auction (genesis/example/auction_case.py, ADR 0034) end to end on
a running local network, through the `lantan` CLI only.

Run by ./scripts/demo-auction after `lantan net up` and `lantan net add-observer`. Xiangshan
County issues the Huangbi'ao batch to the Township; Ningbo PTC opens three bidders'
accounts (each bidder makes its own key); the Township puts 234,010 kg up for auction with
Ningbo PTC co-signing as operator, the windows set in heights from the chain's head. Each
bidder seals its price with `lantan auction commit` (a fresh random salt) and bids; a late
bid is refused; Ningbo and Xiamen reveal, Zhoushan never does; Ningbo PTC settles; then
`lantan auction verify` recomputes the outcome from the certified blocks of a validator
and of the observer, and both must agree with the nodes' records.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from demo_case import LANTAN, Lantan, outcome_line, own_key, run_step

from genesis.example.auction_case import (
    AUCTION_SETUP,
    BID_STEPS,
    BIDDERS,
    CASE_STEPS_BEFORE,
    LOT_ID,
    REVEAL_STEPS,
    SETTLE_STEP,
    UNREVEALED,
    open_step,
)
from genesis.example.xiangshan_case import CaseStep, xiangshan_case_steps
from protocol.encoding import JsonValue

WINDOW_SLACK = 5
"""Heights added to each window beyond the sends it must hold."""
POLL_S = 0.5


class Demo:
    def __init__(self, net: Path, nodes: str, work: Path) -> None:
        self.net, self.nodes, self.work = net, nodes, work
        self.first = nodes.split(",", maxsplit=1)[0]
        self.number = 0
        self.tx_heights = 1
        """The most heights one sent tx took to commit so far: the windows are sized by it."""

    def label(self, step: CaseStep) -> None:
        self.number += 1
        signers = f" (co-signed by {', '.join(step.cosigners)})" if step.cosigners else ""
        print(f"{self.number}. {step.label}{signers}", flush=True)

    def send(self, step: CaseStep, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one step and print it; the demo stops unless it is accepted."""
        self.label(step)
        before = self.height()
        outcome = run_step(step, self.net, self.nodes, self.work, body)
        self.tx_heights = max(self.tx_heights, int(outcome["height"]) - before)
        return self.report(outcome)

    def report(self, outcome: dict[str, Any], expect: str = "accepted") -> dict[str, Any]:
        print(outcome_line(outcome), flush=True)
        result = outcome["result"]
        if (result["status"] if expect == "accepted" else result["reason"]) != expect:
            print(f"FAILED: expected {expect}")
            sys.exit(1)
        return outcome

    def send_at_once(
        self, sends: list[tuple[CaseStep, dict[str, Any]]], expect: str = "accepted"
    ) -> None:
        """Each (step, body) by its own `lantan tx TYPE` process, all at once (one-shot, the
        co-signers' keys given with --cosign): they commit in the same few heights."""
        running = []
        for step, body in sends:
            self.label(step)
            command = [*LANTAN, "tx", step.tx_type, "--key", str(self.net / step.sender)]
            for cosigner in step.cosigners:
                command += ["--cosign", str(self.net / cosigner)]
            command += ["--body", json.dumps(body, ensure_ascii=False), "--node", self.nodes]
            running.append(
                subprocess.Popen(
                    [*command, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
            )
        for process in running:
            out, err = process.communicate()
            if not out.strip():
                print(f"FAILED: {err}")
                sys.exit(1)
            self.report(json.loads(out), expect)

    def height(self) -> int:
        return int(httpx.get(f"{self.first}/v1/status").json()["height"])

    def wait_past(self, height: int, why: str) -> None:
        print(f"   ... waiting for height {height + 1} ({why})", flush=True)
        while self.height() <= height:
            time.sleep(POLL_S)


def seal_bids(work: Path) -> dict[str, dict[str, Any]]:
    """Each bidder's `lantan auction commit` (all at once): commitment, salt, bodies."""
    running = {
        bidder.account_id: subprocess.Popen(
            [
                *(*LANTAN, "auction", "commit", "--lot", LOT_ID),
                *("--account", bidder.account_id),
                *("--price-fen-per-t", str(bidder.price_fen_per_t)),
                *("--reveal-body", str(work / f"{bidder.account_id}.reveal.json"), "--json"),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for bidder in BIDDERS
    }
    sealed = {account: json.loads(process.communicate()[0]) for account, process in running.items()}
    for bidder in BIDDERS:
        print(
            f"   {bidder.account_id} seals {bidder.price_fen_per_t / 100:.2f} yuan/t "
            f"(lantan auction commit): {sealed[bidder.account_id]['commitment'][:16]}…, "
            "its salt kept in its reveal body"
        )
    return sealed


def run_auction(demo: Demo) -> None:
    for step in xiangshan_case_steps()[:CASE_STEPS_BEFORE]:
        demo.send(step)
    for step, bidder in zip(AUCTION_SETUP, BIDDERS, strict=True):
        holder = own_key(demo.net, bidder.account_id, Lantan())
        demo.send(step, dict(step.body) | {"holder_key": holder})
    sealed = seal_bids(demo.work)
    # Sized by the heights a tx has taken here: the open, then the three bids at once (each
    # `lantan` a process of its own: on a busy machine they take twice as long as one).
    head = demo.height()
    bid_end = head + 3 * demo.tx_heights + WINDOW_SLACK
    reveal_end = bid_end + 2 * demo.tx_heights + WINDOW_SLACK
    opening = open_step(head)
    windows: dict[str, JsonValue] = {"bid_end_height": bid_end, "reveal_end_height": reveal_end}
    demo.send_at_once([(opening, dict(opening.body) | windows)])
    print(
        f"   bids until height {bid_end}, reveals until {reveal_end} (each tx has taken up to "
        f"{demo.tx_heights} heights to commit here); the 234,010 kg are escrowed in the "
        "Township's account until settlement"
    )
    demo.send_at_once([(step, sealed[step.sender]["bid_body"]) for step in BID_STEPS])
    demo.wait_past(bid_end, "the bidding window closes")
    # The reveals first: they must land inside their window, the late bid is refused at any
    # height past bid_end (on a loaded machine each send can take a few heights).
    demo.send_at_once([(step, sealed[step.sender]["reveal_body"]) for step in REVEAL_STEPS])
    print(f"   {UNREVEALED.account_id} never reveals its bid")
    late = replace(BID_STEPS[2], label=f"{UNREVEALED.account_id} bids again, after bid_end_height")
    demo.send_at_once([(late, sealed[UNREVEALED.account_id]["bid_body"])], expect="bidding_closed")
    demo.wait_past(reveal_end, "the reveal window closes")
    demo.send(SETTLE_STEP)


OUTCOME_LABELS = (
    "结果 outcome",
    "中标人 winner",
    "成交价 price",
    "成交总价 total",
    "未揭标 unrevealed",
)


def verify_on(url: str, genesis: Path, label: str) -> list[str]:
    """`lantan auction verify` against one node, printed; its outcome lines, to compare."""
    print(f"\n   lantan auction verify {LOT_ID} --node {url}   ({label})")
    command = [*LANTAN, "auction", "verify", LOT_ID, "--node", url, "--genesis", str(genesis)]
    shown = subprocess.run(command, capture_output=True, text=True, check=False)
    print("\n".join(f"   {line}" for line in shown.stdout.splitlines()))
    if shown.returncode != 0:
        print(f"FAILED: lantan auction verify on {url}\n{shown.stderr}")
        sys.exit(1)
    return [line for line in shown.stdout.splitlines() if line.startswith(OUTCOME_LABELS)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--net", type=Path, required=True)
    parser.add_argument("--nodes", required=True, help="comma-separated validator URLs")
    parser.add_argument("--observer", required=True, help="the observer's URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        run_auction(Demo(args.net, args.nodes, Path(work)))
    genesis = args.net / "genesis.json"
    first = args.nodes.split(",", maxsplit=1)[0]
    observed = httpx.get(f"{first}/v1/status").json()["height"]
    while httpx.get(f"{args.observer}/v1/status").json()["height"] < observed:
        time.sleep(POLL_S)
    outcomes = [
        verify_on(first, genesis, "a validator"),
        verify_on(args.observer, genesis, "the observer: it never voted, it only synced"),
    ]
    if outcomes[0] != outcomes[1] or len(outcomes[0]) != len(OUTCOME_LABELS):
        print(f"FAILED: the validator and the observer disagree: {outcomes}")
        return 1
    print("\nthe validator and the observer recompute the same outcome from their own blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
