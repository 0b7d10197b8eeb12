"""How the Byzantine validator answers the honest nodes' posts to its /peer/... port.

`normal`: 202 and {"accepted":true}, as a node answers.
`endless`: 202 with a content-length of 1 TiB, then FLOOD_BYTES as fast as the socket takes
them, then a byte every TRICKLE_INTERVAL_S: httpx's post read the whole answer into memory
with each read bounded alone (5 s), so every honest node that posted to it held what it
sent, and its senders, for as long as it went on (hostile pass of stop 48).
"""

import time
from io import BufferedIOBase
from typing import Final

MODES: Final = ("normal", "endless")
DECLARED_BYTES: Final = 1 << 40
FLOOD_BYTES: Final = 64 * 1024 * 1024
"""Per answer: four senders per honest node hold 256 MiB of it before the bound."""
TRICKLE_INTERVAL_S: Final = 1.0
_CHUNK: Final = b" " * 65536


class PostAnswers:
    """The mode in force, set by the test's `post_answers` command, read by each POST."""

    def __init__(self) -> None:
        self.mode = "normal"

    def set(self, mode: str) -> dict[str, str]:
        if mode not in MODES:
            raise ValueError(f"post answer mode is one of {', '.join(MODES)}")
        self.mode = mode
        return {"mode": mode}


def endless_answer(out: BufferedIOBase, answers: PostAnswers) -> None:
    """The body of an `endless` answer (its headers sent): until the poster hangs up, or
    the test sets the mode back."""
    sent = 0
    try:
        while sent < FLOOD_BYTES and answers.mode == "endless":
            out.write(_CHUNK)
            sent += len(_CHUNK)
        while answers.mode == "endless":
            out.write(b" ")
            out.flush()
            time.sleep(TRICKLE_INTERVAL_S)
    except OSError:  # the honest node gave up on us: what the test wants
        return
