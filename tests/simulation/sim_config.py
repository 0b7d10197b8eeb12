"""Settings and results of a simulation run, and the fake block hashing and validation."""

from dataclasses import dataclass, field

from consensus import TimeoutConfig
from tests.fakes.sim_network import NetworkCounters
from tests.kit.engine_config import named_chain_id, payload_hash, scaled_timeouts
from tests.simulation.canaries import Canary
from tests.simulation.safety import Violation
from tests.simulation.scenario import Scenario

SIM_TIMEOUTS = scaled_timeouts(propose_ms=300, retransmit_ms=400)
CHAIN_ID = named_chain_id(b"lantan simulated chain")
CALM_DELAY_MAX_MS = 40


@dataclass(frozen=True, slots=True)
class SimOptions:
    canary: Canary | None = None
    """Every replica of the run broken this way (tests/simulation/canaries.py)."""
    real_crypto: bool = False
    check_safety: bool = True
    check_liveness: bool = True
    check_certificates: bool = True
    """Off for canary runs that must show a real fork rather than a short certificate."""
    liveness_bound_ms: int = 30_000
    check_payloads: bool = True
    """After every step: every lock and valid value names a payload someone can serve."""
    check_accountability: bool = True
    """A run in which honest replicas forked must end with every honest replica halted and
    holding evidence naming the equivocating key (n=3 runs, where f_S = 0)."""
    drop_persisted_payload: bool = False
    """Canary: a restart forgets the persisted payloads (keeps the signer state)."""
    timeouts: TimeoutConfig = SIM_TIMEOUTS
    """The replicas' timeouts; the round-gap runs use the production defaults."""


@dataclass
class SimStats:
    steps: int = 0
    """Events stepped through a replica's engine."""
    crashes: int = 0
    restarts_without_signer_state: int = 0
    """Restarts that lost the signer state file (the amnesia fault)."""
    partitions: int = 0
    """Partitions the fault plan put in place (each heals later)."""
    multi_round_heights: int = 0
    """Heights that needed more than round 0 somewhere."""
    evidence: int = 0
    lock_violations: int = 0
    """Lock-violation evidence found (ADR 0012): how amnesia forks are named."""
    messages_dropped: int = 0
    """Received messages a bound of consensus/intake.py dropped (MessageDropped)."""
    network: NetworkCounters = field(default_factory=NetworkCounters)
    """The simulated network's own counts at the end of the run."""
    end_ms: int = 0
    decided_ms: dict[int, int] = field(default_factory=dict)
    """Per height, when the last honest replica committed it (simulated ms): what the
    sweep's decide times are read from (sweep.decide_times)."""


@dataclass
class SimResult:
    scenario: Scenario
    stats: SimStats
    violation: Violation | None = None
    liveness_failure: str | None = None
    evidence_offenders: set[int] = field(default_factory=set)
    forked: bool = False
    """Two honest replicas committed different blocks at one height (EQUIVOCATE3 only)."""
    fork_accounted: bool = True
    """Every honest replica of a forked run holds evidence naming the equivocating key."""


def payload_is_valid(payload: bytes) -> bool:
    """The fake validation port: deterministic, rejects about one payload in eight."""
    return payload_hash(payload)[0] % 8 != 0
