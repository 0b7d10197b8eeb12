"""Batch labels and links to other registries (ADR 0028): the batch.link body and its records. Pure.

A batch carries a bounded set of labels from a fixed vocabulary and a bounded set of ids
it holds in other registries. Each external id is also an index record,
`external_id/<registry>/<id>` -> batch, so one external id names at most one batch and a
non-inclusion proof of that key shows that no batch claims it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final

from contracts.body_fields import Body, Slug, choice
from contracts.credit_records import ECOSYSTEMS
from protocol.codec import JsonCodec, Wire, WireName, codec_wire, items
from protocol.errors import FieldTypeError
from protocol.fields import read_str
from protocol.signing import PublicKey

LINK_LABELS: Final = frozenset(
    {
        *ECOSYSTEMS,
        "article6_authorized",
        "ccer_eligible",
        "corsia_eligible",
        "icvcm_ccp",
        "judicial_use",
    }
)
"""What a batch label may be (ADR 0028): the project ecosystems plus eligibility tags."""
REGISTRIES: Final = frozenset({"ccer", "gold_standard", "isometric", "verra", "xiamen_ptc"})
"""The registries an external id may name (ADR 0028); more join by addition."""
LABELS_MAX: Final = 8
"""Labels a batch carries at most, all batch.link txs together."""
EXTERNAL_IDS_MAX: Final = 8
"""External ids a batch carries at most, all batch.link txs together."""
EXTERNAL_ID_PATTERN: Final = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,95}")
"""An id in another registry, as that registry prints it, upper case: 1..96 characters of
A-Z, 0-9, '.', '_', '-', the first a letter or digit (no '/', so one key has one reading;
one case, so one id has one spelling)."""


def read_external_id(obj: Mapping[str, Any], name: str) -> str:
    value = read_str(obj, name, max_length=96)
    if EXTERNAL_ID_PATTERN.fullmatch(value) is None:
        raise FieldTypeError(f"{name}: {value!r} is not [A-Z0-9][A-Z0-9._-]*, 1..96")
    return value


def _strictly_ascending(name: str, values: list[Any]) -> None:
    if values != sorted(set(values)):
        raise FieldTypeError(f"{name}: must be distinct, in ascending order")


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalId(JsonCodec, what="external id"):
    """One id of the batch in another registry."""

    registry: Annotated[str, choice(REGISTRIES)]
    id_: Annotated[str, Wire(read_external_id), WireName("id")]

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.registry, self.id_)


Labels = Annotated[tuple[str, ...], items(choice(LINK_LABELS), max_items=LABELS_MAX)]
ExternalIds = Annotated[
    tuple[ExternalId, ...], items(codec_wire(ExternalId), max_items=EXTERNAL_IDS_MAX)
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkFields(JsonCodec):
    """A batch's labels and external ids, as batch.link sends them and batch_links/ keeps them:
    both strictly ascending (external ids by registry, then id)."""

    batch_id: Slug
    labels: Labels
    external_ids: ExternalIds

    def check(self) -> None:
        _strictly_ascending("labels", list(self.labels))
        _strictly_ascending("external_ids", [e.sort_key for e in self.external_ids])


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchLinkBody(LinkFields, Body):
    """batch.link: add labels and external ids to a batch (ADR 0028); at least one of either."""

    def check(self) -> None:
        LinkFields.check(self)
        if not self.labels and not self.external_ids:
            raise FieldTypeError("body: labels or external_ids must name something")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchLinks(LinkFields, what="batch links"):
    """`batch_links/<batch_id>`: every label and external id batch.link gave the batch."""

    @property
    def over_limits(self) -> bool:
        """More labels or external ids than a batch may carry (TOO_MANY_LINKS)."""
        return len(self.labels) > LABELS_MAX or len(self.external_ids) > EXTERNAL_IDS_MAX


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalIdClaim(JsonCodec, what="external id claim"):
    """`external_id/<registry>/<id>`: the one batch that claims this external id."""

    registry: Annotated[str, choice(REGISTRIES)]
    id_: Annotated[str, Wire(read_external_id), WireName("id")]
    batch_id: Slug
    linked_by: PublicKey
    """The issuer's key that sent the batch.link."""
    height: int
    """The block that recorded the claim."""
