"""Delay on every peer link and loss on one validator's, through the userspace relay.

The network is built with `relay=True`: every validator's (and the observer's) peers are
the relay's listeners on its own loopback; the client load talks to the nodes directly.
Three stages under the load, each measured (heights, txs acknowledged, relay counters):
1. baseline: the relay passes everything on untouched (BASELINE_S);
2. WAN: 50 ms +- 10 ms on every link each way (WAN_S);
3. the fault: 200 ms +- 50 ms on every link each way (an exchange takes ~400 ms more, what
   netem on every host's interface would do), and the links to and from one validator
   also lose 10 % of their HTTP exchanges, half stalled until the sender's 5 s timeout,
   half reset (Lengths.delay_loss_s).
"""

import time
from typing import Any

from tests.chaos.cluster import ChaosNet
from tests.chaos.load import Load
from tests.chaos.relay import LinkFaults
from tests.chaos.relay_control import RelayProcess
from tests.chaos.scenarios import Lengths, Record, Scenario, _top

BASELINE_S = 10.0
WAN_S = 15.0
WAN = LinkFaults(delay_ms=50, jitter_ms=10)
DELAY = LinkFaults(delay_ms=200, jitter_ms=50)
DELAY_AND_LOSS = LinkFaults(delay_ms=200, jitter_ms=50, loss=0.10, stall_share=0.5)
_SUMMED = ("connections", "exchanges", "delayed_chunks", "resets", "stalls", "connect_failures")


def delay_and_loss(net: ChaosNet, load: Load, lengths: Lengths) -> Record:
    relay = net.relay
    assert relay is not None, "build this network with relay=True"
    victim = net.validators[0]
    lossy = [name for name in relay.links if victim in name.split(">")]
    fault = {n: DELAY_AND_LOSS if n in lossy else DELAY for n in relay.links}
    with Scenario(net, load, "delay 200±50 ms, 10 % loss on one validator") as scenario:
        stages = {
            "baseline": _stage(net, load, relay, {}, length_s=BASELINE_S, lossy=lossy),
            "wan_50ms": _stage(
                net, load, relay, dict.fromkeys(relay.links, WAN), length_s=WAN_S, lossy=lossy
            ),
            "fault": _stage(net, load, relay, fault, length_s=lengths.delay_loss_s, lossy=lossy),
        }
        relay.clear()
        scenario.record.faults += 3  # WAN delay, then the fault's delay and its loss
        scenario.record.notes |= {
            "mechanism": "userspace relay (tests/chaos/relay.py)",
            "victim": victim,
            "stages": stages,
        }
        scenario.healed()
    return scenario.record


def _stage(
    net: ChaosNet,
    load: Load,
    relay: RelayProcess,
    faults: dict[str, LinkFaults],
    *,
    length_s: float,
    lossy: list[str],
) -> dict[str, Any]:
    """Apply faults (every other link untouched), hold length_s, say what happened."""
    relay.clear()
    relay.set_faults(faults)
    before = relay.stats()
    top, acknowledged = _top(net), load.stats.acknowledged
    time.sleep(length_s)
    heights, acked = _top(net) - top, load.stats.acknowledged - acknowledged
    after = relay.stats()
    return {
        "length_s": length_s,
        "heights": heights,
        "heights_per_min": round(60 * heights / length_s, 1),
        "acknowledged": acked,
        "lossy_links": summarise(before, after, lossy),
        "other_links": summarise(before, after, [n for n in relay.links if n not in lossy]),
    }


def summarise(before: dict[str, Any], after: dict[str, Any], links: list[str]) -> dict[str, Any]:
    """Counter deltas over the window, summed over links, plus each link's delayed chunks
    (every one must be > 0) and the mean delay applied."""
    delta = dict.fromkeys(_SUMMED, 0)
    delay_s = 0.0
    per_link: dict[str, int] = {}
    for name in links:
        old, new = before[name]["counters"], after[name]["counters"]
        for key in _SUMMED:
            delta[key] += new[key] - old[key]
        delay_s += new["delay_s_total"] - old["delay_s_total"]
        per_link[name] = new["delayed_chunks"] - old["delayed_chunks"]
    mean_ms = 1000 * delay_s / delta["delayed_chunks"] if delta["delayed_chunks"] else 0.0
    return {
        **delta,
        "links": len(links),
        "mean_delay_ms": round(mean_ms, 1),
        "delayed_chunks_per_link": per_link,
    }
