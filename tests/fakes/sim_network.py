"""A seeded in-process network: delay, loss, duplication, reordering, partitions.

Every random choice comes from the random.Random it is given, so one seed replays the
same run. Messages are delivered in (time, sequence) order; independent random delays
reorder them. A blocked link drops messages both when sent and when due, so a partition
also cuts messages already in flight.
"""

import heapq
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(slots=True)
class NetworkFaults:
    """Fault rates while faults are on; set_calm() turns them all off (GST)."""

    loss: float = 0.0
    duplicate: float = 0.0
    delay_min_ms: int = 1
    delay_max_ms: int = 50


@dataclass(slots=True)
class NetworkCounters:
    sent: int = 0
    delivered: int = 0
    dropped: int = 0
    """Lost to the loss rate or to a targeted drop filter."""
    partitioned: int = 0
    """Cut by a blocked link, when sent or when due."""
    duplicated: int = 0
    """Extra copies put in flight."""
    reordered: int = 0
    """Delivered after a later message of the same link."""


@dataclass(order=True, slots=True)
class _InFlight:
    deliver_at_ms: int
    sequence: int
    sender: str = field(compare=False)
    destination: str = field(compare=False)
    payload: object = field(compare=False)
    link_sequence: int = field(compare=False)


class SimNetwork:
    """Point-to-point links between named endpoints."""

    def __init__(self, rng: random.Random, faults: NetworkFaults) -> None:
        self._rng = rng
        self.faults = faults
        self.counters = NetworkCounters()
        self._queue: list[_InFlight] = []
        self._sequence = 0
        self._blocked: frozenset[tuple[str, str]] = frozenset()
        self._sent_on_link: dict[tuple[str, str], int] = {}
        self._delivered_on_link: dict[tuple[str, str], int] = {}
        self.drop_filter: Callable[[str, str, object], bool] | None = None
        """A targeted fault: drop every message for which it returns True (until GST)."""

    def set_calm(self, delay_max_ms: int) -> None:
        """No loss, no duplication, bounded delay: the network after GST."""
        self.faults = NetworkFaults(delay_min_ms=1, delay_max_ms=delay_max_ms)
        self.drop_filter = None

    def block_links(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Replace the set of blocked links; each pair blocks both directions."""
        blocked = set()
        for a, b in pairs:
            blocked.add((a, b))
            blocked.add((b, a))
        self._blocked = frozenset(blocked)

    @property
    def partitioned_now(self) -> bool:
        return bool(self._blocked)

    def connected(self, a: str, b: str) -> bool:
        return (a, b) not in self._blocked

    def send(
        self, sender: str, destination: str, payload: object, now_ms: int, *, hold_ms: int = 0
    ) -> None:
        """Put payload in flight; hold_ms is added to its drawn delay (a sender that waits)."""
        self.counters.sent += 1
        if not self.connected(sender, destination):
            self.counters.partitioned += 1
            return
        dropped_by_filter = self.drop_filter is not None and self.drop_filter(
            sender, destination, payload
        )
        if dropped_by_filter or self._rng.random() < self.faults.loss:
            self.counters.dropped += 1
            return
        copies = 2 if self._rng.random() < self.faults.duplicate else 1
        self.counters.duplicated += copies - 1
        link = (sender, destination)
        link_sequence = self._sent_on_link.get(link, 0) + 1
        self._sent_on_link[link] = link_sequence
        for _ in range(copies):
            delay = self._rng.randint(self.faults.delay_min_ms, self.faults.delay_max_ms)
            self._sequence += 1
            entry = _InFlight(
                now_ms + hold_ms + delay,
                self._sequence,
                sender,
                destination,
                payload,
                link_sequence,
            )
            heapq.heappush(self._queue, entry)

    def next_delivery_ms(self) -> int | None:
        return self._queue[0].deliver_at_ms if self._queue else None

    def pop_due(self, now_ms: int) -> tuple[str, str, object] | None:
        """The next message due at now_ms that survives the partition, if any."""
        while self._queue and self._queue[0].deliver_at_ms <= now_ms:
            entry = heapq.heappop(self._queue)
            if not self.connected(entry.sender, entry.destination):
                self.counters.partitioned += 1
                continue
            link = (entry.sender, entry.destination)
            if entry.link_sequence < self._delivered_on_link.get(link, 0):
                self.counters.reordered += 1
            else:
                self._delivered_on_link[link] = entry.link_sequence
            self.counters.delivered += 1
            return entry.sender, entry.destination, entry.payload
        return None
