"""Project boundary and tenure records and bodies (ADR 0027). Pure.

A project's boundary is the SHA-256 of its GeoJSON document (the file as filed, off chain),
its centroid in integer micro-degrees, its area in m², and the sea-area use or land tenure
certificate that entitles it to the site. `tenure/<kind>/<number>` indexes each certificate
to the one active project it backs, so the state tree proves both ways whether it backs one.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Final

from contracts.body_fields import Body, Slug, choice, matching
from protocol.codec import JsonCodec, integer
from protocol.hashing import Hash32
from protocol.signing import PublicKey

CERTIFICATE_KINDS: Final = frozenset({"land_tenure", "sea_area_use"})
"""sea_area_use: a 海域使用权证书 (sea-area use right certificate); land_tenure: a land or
forest tenure certificate (不动产权证书, 林权证) for a site above the tide line."""
CERTIFICATE_NUMBER_PATTERN: Final = re.compile(r"[0-9A-Z](?:[0-9A-Z-]{0,46}[0-9A-Z])?")
"""A certificate number as the index key spells it: 1..48 upper-case ASCII letters, digits
and '-', first and last a letter or digit. One spelling per certificate (no case variants,
no '/'), so one certificate has one index key; the issuing authority's Chinese prefix
(国海证, 浙(2021)象山县不动产权第) is implied by the kind and left out."""
LATITUDE_MAX: Final = 90_000_000
LONGITUDE_MAX: Final = 180_000_000
AREA_M2_MAX: Final = 10**12
"""One million km²: above any real project, far below 2**53."""


class TenureStatus:
    """A project_tenure record's status: active until project.tenure_release ends it."""

    ACTIVE: Final = "active"
    ENDED: Final = "ended"


CertificateNumber = Annotated[
    str, matching(CERTIFICATE_NUMBER_PATTERN, 48, "[0-9A-Z-], 1..48, alnum at ends")
]
CertificateKind = Annotated[str, choice(CERTIFICATE_KINDS)]


@dataclass(frozen=True, slots=True, kw_only=True)
class TenureFields(JsonCodec):
    """A project's boundary and tenure as project.tenure names them: body and record."""

    project_id: Slug
    boundary_sha256: Hash32
    """SHA-256 of the boundary GeoJSON document's bytes, as filed."""
    centroid_lat_udeg: Annotated[int, integer(minimum=-LATITUDE_MAX, maximum=LATITUDE_MAX)]
    """Latitude of the centroid in micro-degrees (WGS 84): 29.541234° N = 29541234."""
    centroid_lon_udeg: Annotated[int, integer(minimum=-LONGITUDE_MAX, maximum=LONGITUDE_MAX)]
    """Longitude of the centroid in micro-degrees (WGS 84): 121.873456° E = 121873456."""
    area_m2: Annotated[int, integer(minimum=1, maximum=AREA_M2_MAX)]
    certificate_kind: CertificateKind
    certificate_number: CertificateNumber


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectTenureBody(TenureFields, Body):
    """project.tenure: the project's issuer records its boundary and tenure certificate."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectTenureReleaseBody(Body):
    """project.tenure_release: the project's issuer records that its tenure is lost."""

    project_id: Slug


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectTenure(TenureFields, what="project tenure"):
    """`project_tenure/<project id>`: the project's boundary and tenure (ADR 0027)."""

    recorded_by: PublicKey
    """The issuer's key that sent project.tenure."""
    height: int
    """The block that recorded it."""
    status: Annotated[str, choice(frozenset({TenureStatus.ACTIVE, TenureStatus.ENDED}))]
    ended_height: int | None
    """The block whose project.tenure_release ended it; None while active."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TenureClaim(JsonCodec, what="tenure claim"):
    """`tenure/<kind>/<number>`: the one active project a certificate backs (ADR 0027)."""

    certificate_kind: CertificateKind
    certificate_number: CertificateNumber
    project_id: Slug
