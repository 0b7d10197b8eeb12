"""How the Byzantine validator answers the honest nodes' block sync (GET on its port).

`none`: 404 to every GET, as before (it serves no API: a peer that does not answer).
`drip`: a /v1/status whose headers promise a body that then comes one byte every
DRIP_INTERVAL_S (a whole answer would take minutes): the hostile pass of stop 45 stalled
every node's sync this way, and a restarting validator never started consensus.
`ahead`: a /v1/status claiming a height AHEAD_BLOCKS above any real one, and no blocks to
back it (an empty range, 404 for a block): it made every node start a verifying process
and hold more of its state tree twice a second, and report itself not ready.
`drip-range`: a /v1/status a few blocks above the honest nodes' highest head (answered with
RANGE_LEAD added to the height the test sets), and every block or range of blocks dripped:
asked first at a restart, it held that catch-up the whole body deadline (30 s).
`slow-range`: a /v1/status a few blocks above the honest head, as drip-range, and each range
asked answered after SLOW_RANGE_S (under every deadline) with one real block, the first
asked (from its chain copy): each answer is sound, so the node kept asking it first
(hostile pass of stop 50).
`head`: a true /v1/status (the head of its chain copy, set by the test's `status_head`), so
the honest nodes count it reachable: one whose peers do not answer holds its round
timeouts (node/runtime.py), and a lone replica then never meets a validator ahead.
"""

import json
import time
from typing import Final

MODES: Final = ("none", "drip", "ahead", "drip-range", "slow-range", "head")
SLOW_RANGE_S: Final = 4.0
RANGE_LEAD: Final = 3
DRIP_INTERVAL_S: Final = 1.0
DRIP_BYTES: Final = 200
AHEAD_BLOCKS: Final = 1_000_000


class StatusMode:
    """The mode in force, set by the test's `status_mode` command, read by each GET."""

    def __init__(self) -> None:
        self.mode = "none"
        self.height = 0
        """drip-range: the honest head the claim is made above (status_mode's height);
        head: the height it answers."""
        self.head_hash = "00" * 32
        """head: the block hash it answers."""
        self.ranges_served = 0
        """slow-range: the ranges answered since the mode was set."""

    def set(self, mode: str, height: int = 0, head_hash: str = "00" * 32) -> dict[str, str]:
        if mode not in MODES:
            raise ValueError(f"status mode is one of {', '.join(MODES)}")
        served, self.ranges_served = self.ranges_served, 0
        self.mode, self.height, self.head_hash = mode, height, head_hash
        return {"mode": mode, "ranges_served": str(served)}


def status_answer(
    mode: str, path: str, height: int = 0, head_hash: str = "00" * 32
) -> tuple[int, bytes] | None:
    """(status, body) for a GET of path in mode, or None to drip (drip_status)."""
    if mode == "head" and path == "/v1/status":
        return 200, json.dumps({"height": height, "head_hash": head_hash}).encode()
    if mode == "drip" and path == "/v1/status":
        return None
    if mode in ("drip-range", "slow-range") and path == "/v1/status":
        status = {"height": height + RANGE_LEAD, "head_hash": "00" * 32}
        return 200, json.dumps(status).encode()
    if mode == "drip-range" and path.startswith("/v1/blocks"):
        return None
    if mode == "ahead" and path == "/v1/status":
        status = {"height": AHEAD_BLOCKS, "head_hash": "00" * 32}
        return 200, json.dumps(status).encode()
    if mode == "ahead" and path.startswith("/v1/blocks/range"):
        return 200, b'{"blocks":[]}'
    return 404, b'{"error":{"code":"NOT_FOUND"}}'


def drip_chunks() -> "list[bytes]":
    """The body a dripping status sends, a byte at a time (never its end in time)."""
    return [bytes([byte]) for byte in b'{"height":' + b" " * (DRIP_BYTES - 10)]


def pause() -> None:
    time.sleep(DRIP_INTERVAL_S)
