"""Fault counts gathered across simulation tests, printed in pytest's terminal summary."""

from dataclasses import dataclass, field

from tests.simulation.sim_config import SimResult, SimStats

_SUMMED = (
    "steps",
    "dropped",
    "duplicated",
    "reordered",
    "partitioned",
    "partitions",
    "crashes",
    "restarts_without_signer_state",
    "multi_round_heights",
    "evidence",
)
"""The SimStats counters (or its network's) summed over seeds and printed, in print order."""


def _holder(stats: SimStats, name: str) -> object:
    """Where a counter lives: the network's counts, or SimStats itself."""
    return stats.network if hasattr(stats.network, name) else stats


@dataclass
class FaultReport:
    seeds: int = 0
    wall_ms: int = 0
    totals: SimStats = field(default_factory=SimStats)
    canaries: dict[str, str] = field(default_factory=dict)
    seed_base: int | None = None
    ranges: list[str] = field(default_factory=list)

    def add(self, result: SimResult) -> None:
        self.seeds += 1
        for name in _SUMMED:
            total = _holder(self.totals, name)
            added = getattr(_holder(result.stats, name), name)
            setattr(total, name, getattr(total, name) + added)

    def lines(self) -> list[str]:
        summed = [f"{name}={getattr(_holder(self.totals, name), name)}" for name in _SUMMED]
        counts = [f"seeds={self.seeds}", summed[0], f"wall_ms={self.wall_ms}", *summed[1:]]
        rate = self.totals.steps * 1000 // max(self.wall_ms, 1)
        out = [" ".join(counts), f"simulator speed: {rate} steps/s"]
        if self.seed_base is not None:
            out.append(
                f"seed ranges today: {', '.join(self.ranges)} "
                f"(LANTAN_SIM_SEED_BASE={self.seed_base} draws them again)"
            )
        out += [f"canary {name}: {verdict}" for name, verdict in sorted(self.canaries.items())]
        return out


REPORT = FaultReport()
