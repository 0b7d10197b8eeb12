"""Drafts of project.tenure and project.tenure_release for the contracts property test
(ADR 0027), mixed into tests/vectors/contracts/tx_generators.py's TxGenerator.

Certificate numbers come from a small pool, so a project often names a certificate another
active project holds (certificate_claimed) or one a released project freed.
"""

import random
from typing import Any

from protocol.signing import SigningKey
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

CERTIFICATE_KINDS = ("land_tenure", "sea_area_use")
CERTIFICATE_POOL = 4
TRADING_CENTRE = "ningbo-ptc"


class TenureDrafts:
    ref: ReferenceLedger

    def key(self, name: str) -> SigningKey:
        raise NotImplementedError

    def _project_register(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def _project_tenure(self, rng: random.Random, mistake: bool) -> Draft:
        """The project's issuer records tenure for a project without one (sometimes not)."""
        free = sorted(p for p in self.ref.projects if p not in self.ref.tenures)
        if not free:
            return self._project_register(rng, False)
        project = rng.choice(free)
        certificate = (rng.choice(CERTIFICATE_KINDS), f"ZJ-{rng.randrange(CERTIFICATE_POOL)}")
        sender = self.key(self.ref.projects[project])
        if mistake:
            variant = rng.randrange(6)
            if variant == 0:  # unknown_project
                project = "no-such-project"
            elif variant == 1:  # signer_lacks_role
                sender = self.key(TRADING_CENTRE)
            elif variant == 2 and self.ref.tenures:  # tenure_already_recorded
                project = rng.choice(sorted(self.ref.tenures))
                sender = self.key(self.ref.projects[project])
            elif self.ref.certificates:  # certificate_claimed (variants 2..5 when none)
                certificate = rng.choice(sorted(self.ref.certificates))
        body: dict[str, Any] = {
            "project_id": project,
            "boundary_sha256": bytes([rng.randrange(256)] * 32).hex(),
            "centroid_lat_udeg": rng.randint(-90_000_000, 90_000_000),
            "centroid_lon_udeg": rng.randint(-180_000_000, 180_000_000),
            "area_m2": rng.randint(1, 10**9),
            "certificate_kind": certificate[0],
            "certificate_number": certificate[1],
        }
        return Draft("project.tenure", sender, (), body)

    def _project_tenure_release(self, rng: random.Random, mistake: bool) -> Draft:
        """The project's issuer releases an active tenure (sometimes one that is not)."""
        active = sorted(p for p, (_, _, on) in self.ref.tenures.items() if on)
        if not active:
            return self._project_tenure(rng, False)
        project = rng.choice(active)
        if mistake:
            others = sorted(set(self.ref.projects) - set(active))
            project = rng.choice(others) if others else "no-such-project"
        sender = self.key(self.ref.projects.get(project, "xiangshan-county"))
        return Draft("project.tenure_release", sender, (), {"project_id": project})
