"""Fault counts gathered across simulation tests, printed in pytest's terminal summary."""

from dataclasses import dataclass, field, fields

from tests.simulation.sim_config import SimResult


@dataclass
class FaultReport:
    seeds: int = 0
    steps: int = 0
    wall_ms: int = 0
    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0
    partitioned: int = 0
    partitions: int = 0
    crashes: int = 0
    restarts_without_signer_state: int = 0
    multi_round_heights: int = 0
    evidence: int = 0
    canaries: dict[str, str] = field(default_factory=dict)
    seed_base: int | None = None
    ranges: list[str] = field(default_factory=list)

    def add(self, result: SimResult) -> None:
        self.seeds += 1
        stats = result.stats
        for name in (
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
        ):
            setattr(self, name, getattr(self, name) + getattr(stats, name))

    def lines(self) -> list[str]:
        skip = {"canaries", "seed_base", "ranges"}
        counts = [f"{f.name}={getattr(self, f.name)}" for f in fields(self) if f.name not in skip]
        rate = self.steps * 1000 // max(self.wall_ms, 1)
        out = [" ".join(counts), f"simulator speed: {rate} steps/s"]
        if self.seed_base is not None:
            out.append(
                f"seed ranges today: {', '.join(self.ranges)} "
                f"(LANTAN_SIM_SEED_BASE={self.seed_base} draws them again)"
            )
        out += [f"canary {name}: {verdict}" for name, verdict in sorted(self.canaries.items())]
        return out


REPORT = FaultReport()
