"""How the registry shows numbers, times and hashes. Pure.

Quantities stay integer kilograms; tonnes are only display text (422500 kg -> 422.5 t).
Times are the header's Unix milliseconds shown in Beijing time (UTC+8), where the
institutions are.
"""

from datetime import UTC, datetime, timedelta, timezone

from client.amounts import yuan_digits

BEIJING = timezone(timedelta(hours=8))


def tonnes_text(quantity_kg: int) -> str:
    """422500 -> "422.5"; exact, no floats."""
    whole, rest = divmod(quantity_kg, 1000)
    return f"{whole:,}" if rest == 0 else f"{whole:,}.{rest:03d}".rstrip("0")


def kg_text(quantity_kg: int) -> str:
    """422500 -> "422,500 kg (422.5 t)"."""
    return f"{quantity_kg:,} kg ({tonnes_text(quantity_kg)} t)"


def yuan_text(amount_fen: int) -> str:
    """12236600 fen -> "¥122,366.00"; exact integer arithmetic, no floats."""
    return f"¥{yuan_digits(amount_fen)}"


def degrees_text(udeg: int, positive: str, negative: str) -> str:
    """Micro-degrees -> "29.422500° N" (positive, negative: the hemisphere letters, N S or
    E W); exact integer arithmetic, no floats."""
    whole, micro = divmod(abs(udeg), 1_000_000)
    return f"{whole}.{micro:06d}° {negative if udeg < 0 else positive}"


def centroid_text(lat_udeg: int, lon_udeg: int) -> str:
    """A centroid in micro-degrees -> "29.422500° N, 121.857500° E"."""
    return f"{degrees_text(lat_udeg, 'N', 'S')}, {degrees_text(lon_udeg, 'E', 'W')}"


def area_text(area_m2: int) -> str:
    """3400000 -> "3,400,000 m² (340 ha)"; 1 ha = 10,000 m², exact, no floats."""
    whole, rest = divmod(area_m2, 10_000)
    hectares = f"{whole:,}" if rest == 0 else f"{whole:,}.{rest:04d}".rstrip("0")
    return f"{area_m2:,} m² ({hectares} ha)"


def time_text(time_ms: int) -> str:
    """Unix ms -> "2023-06-01 10:00:00" in UTC+8."""
    moment = datetime.fromtimestamp(time_ms / 1000, tz=UTC).astimezone(BEIJING)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def short_hex(value: str, length: int = 12) -> str:
    """The first length hex digits and an ellipsis (full value stays in title attributes)."""
    return value if len(value) <= length else value[:length] + "…"


def range_text(first: int, last: int) -> str:
    return f"{first:,}–{last:,}"
