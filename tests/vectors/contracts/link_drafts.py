"""Drafts of batch.link (ADR 0028) for the contracts property test, mixed into
tests/vectors/contracts/tx_generators.py's TxGenerator.

External ids come from a small pool, so batches often reach for an id another batch
already claims: the machine then checks that the first claim stands.
"""

import random
from typing import Any

from protocol.signing import SigningKey
from tests.property.contracts_reference import ReferenceLedger
from tests.vectors.contracts.drafts import Draft

LINK_ISSUER = "xiangshan-county"
LINK_LABELS = ("ccer_eligible", "corsia_eligible", "judicial_use", "mangrove", "seagrass")
LINK_REGISTRIES = ("ccer", "gold_standard", "verra", "xiamen_ptc")
ID_POOL = 4
"""Ids per registry the drafts choose from."""


def _sorted_ids(ids: set[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"registry": r, "id": i} for r, i in sorted(ids)]


class LinkDrafts:
    ref: ReferenceLedger

    def key(self, name: str) -> SigningKey:
        raise NotImplementedError

    def _credits_issue(self, rng: random.Random, mistake: bool) -> Draft:
        raise NotImplementedError

    def _batch_link(self, rng: random.Random, mistake: bool) -> Draft:
        if not self.ref.batches:
            return self._credits_issue(rng, False)
        batch = rng.choice(sorted(self.ref.batches))
        own = self.ref.linked.ids.get(batch, set())
        labels = set(rng.sample(LINK_LABELS, rng.randint(0, 2)))
        ids = {
            (rng.choice(LINK_REGISTRIES), f"ID-{rng.randrange(ID_POOL)}")
            for _ in range(rng.randint(0, 2))
        }
        ids = {ref for ref in ids if self.ref.linked.claims.get(ref, batch) == batch}
        if not labels and not ids:
            labels = {rng.choice(LINK_LABELS)}
        sender = self.key(LINK_ISSUER)
        # A batch reaching for an id another batch claims is what the machine checks: it is
        # drafted also outside the mistake rate, one draft in five.
        variant = rng.randrange(6) if mistake else (3 if rng.randrange(5) == 0 else -1)
        if variant == 5 and not own:
            variant = 3
        if variant == 0:  # signer_lacks_role
            sender = self.key("xiangshan-court")
        if variant == 1:  # not_project_issuer, when another institution is an issuer
            others = sorted(
                i for i, r in self.ref.roles.items() if "issuer" in r and i != LINK_ISSUER
            )
            sender = self.key(rng.choice(others) if others else "xiangshan-court")
        if variant == 2:  # unknown_batch
            batch = "no-such-batch"
        if variant == 3:  # external_id_claimed
            ids |= self._claimed_elsewhere(rng, batch)
        if variant == 4 and batch in self.ref.linked.labels:  # links_unchanged
            labels, ids = set(self.ref.linked.labels.get(batch, set())), set(own)
        if variant == 5:  # too_many_links, once the batch carries an id
            fresh = {("verra", f"MANY-{batch}-{n}".upper()) for n in range(9 - len(own))}
            ids = fresh
        return Draft("batch.link", sender, (), _body(batch, sorted(labels), _sorted_ids(ids)))

    def _claimed_elsewhere(self, rng: random.Random, batch: str) -> set[tuple[str, str]]:
        """One external id another batch claims (none when no other batch claims one)."""
        taken = sorted(ref for ref, b in self.ref.linked.claims.items() if b != batch)
        return set(rng.sample(taken, min(1, len(taken))))


def _body(batch: str, labels: list[str], ids: list[dict[str, str]]) -> dict[str, Any]:
    return {"batch_id": batch, "labels": labels, "external_ids": ids}
