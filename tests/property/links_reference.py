"""The reference model of batch.link (ADR 0028), mixed into ReferenceLedger.

Naive on purpose: a batch's labels and external ids are sets, the claims one dict from
(registry, id) to batch; every rule is re-checked in the contract's order. Shares no code
with contracts/ beyond the reason strings.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.property.ledger_hooks import LedgerHooks

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op

LINK_LABELS_MAX = 8
LINK_IDS_MAX = 8

ExternalRef = tuple[str, str]
"""(registry, id)."""


@dataclass
class LinkIndex:
    labels: dict[str, set[str]] = field(default_factory=dict)
    """batch -> its labels."""
    ids: dict[str, set[ExternalRef]] = field(default_factory=dict)
    """batch -> its external ids."""
    claims: dict[ExternalRef, str] = field(default_factory=dict)
    """(registry, id) -> the one batch that claims it."""


class LinksReference(LedgerHooks):
    """batch.link: the issuer of the batch's project adds labels and external ids."""

    linked: LinkIndex

    def _batch_link(self, op: "Op") -> None:
        issuer = self._role(op, "issuer")
        body = op.body
        batch = body["batch_id"]
        self._batch(batch)
        self._require(self.projects[self.batches[batch][0]] == issuer, "not_project_issuer")
        labels = self.linked.labels.get(batch, set())
        ids = self.linked.ids.get(batch, set())
        new = {(e["registry"], e["id"]) for e in body["external_ids"]} - ids
        self._require(all(ref not in self.linked.claims for ref in new), "external_id_claimed")
        all_labels = labels | set(body["labels"])
        too_many = len(all_labels) > LINK_LABELS_MAX or len(ids | new) > LINK_IDS_MAX
        self._require(not too_many, "too_many_links")
        self._require(bool(all_labels - labels or new), "links_unchanged")
        self.linked.labels[batch] = all_labels
        self.linked.ids[batch] = ids | new
        for ref in new:
            self.linked.claims[ref] = batch
