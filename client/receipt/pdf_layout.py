"""Where the receipt PDF's rows go: line breaking, shrinking hex to fit, and pages. Pure.

Layout is a separate pass from drawing so the page count is known before any footer is
drawn: every footer says "page i of n", and a lost last page shows. Sizes are measured in
the embedded font (reportlab's stringWidth), so identical rows give an identical layout.
"""

from dataclasses import dataclass
from typing import Final

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from client.receipt.pdf_rows import ReceiptRow
from client.shown_text import shown

PAGE_WIDTH_PT: Final[float] = A4[0]
PAGE_HEIGHT_PT: Final[float] = A4[1]
MARGIN_PT: Final = 40.0
LABEL_WIDTH_PT: Final = 96.0
VALUE_X_PT: Final = MARGIN_PT + LABEL_WIDTH_PT + 8.0
VALUE_WIDTH_PT: Final = PAGE_WIDTH_PT - MARGIN_PT - VALUE_X_PT
VALUE_SIZE_PT: Final = 9.5
VALUE_SIZE_MIN_PT: Final = 7.0
LINE_HEIGHT_PT: Final = 11.0
LABEL_ZH_SIZE_PT: Final = 10.0
LABEL_EN_SIZE_PT: Final = 7.5
LABEL_EN_DROP_PT: Final = 9.5
"""The English label sits this far under the Chinese one, in smaller grey type."""
LABEL_HEIGHT_PT: Final = 17.5
"""A row is at least this tall, so a one-line value still leaves room for both labels."""
ROW_GAP_PT: Final = 3.5
ROW_GAP_TIGHT_PT: Final = 2.0
"""The gap between rows when the usual one would put the last rows alone on a second page
(layout_receipt): a court's receipt is one sheet whenever tighter rows make it one."""
FOOTER_Y_PT: Final = 28.0
"""The footer's baseline: below the side margin's height, still clear of a printer's edge."""
BOTTOM_PT: Final = FOOTER_Y_PT + 18.0
"""No value line is drawn below this y; the footer sits under it."""
KEEP_TOGETHER_PT: Final = 120.0
"""A row up to this tall moves whole to the next page rather than split; a taller one (a
long list of serial ranges) flows on, so it does not leave most of a page blank."""
PAGE_TOP_PT: Final = PAGE_HEIGHT_PT - MARGIN_PT - LINE_HEIGHT_PT
"""The first baseline of a continuation page (it has no header)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlacedText:
    """One string at its place: page index (0 first), baseline position, size, shade."""

    page: int
    x_pt: float
    y_pt: float
    text: str
    size_pt: float
    grey: bool = False


def wrap_text(text: str, font_name: str, size_pt: float, width_pt: float) -> tuple[str, ...]:
    """Greedy line breaking: at the last space when there is one, else between characters
    (Chinese has no spaces). Never returns an empty tuple."""
    lines: list[str] = []
    line = ""
    for char in text:
        candidate = line + char
        if not line or stringWidth(candidate, font_name, size_pt) <= width_pt:
            line = candidate
            continue
        head, space, tail = line.rpartition(" ")
        if space and head.strip():
            lines.append(head)
            line = (tail + char).lstrip(" ")
        else:
            lines.append(line)
            line = char.lstrip(" ")
    lines.append(line)
    return tuple(lines)


def fit_size_pt(text: str, font_name: str, width_pt: float) -> float:
    """The largest size, from VALUE_SIZE_PT down to VALUE_SIZE_MIN_PT, at which text fits."""
    width_at_one_pt: float = stringWidth(text, font_name, 1.0)
    if width_at_one_pt == 0:
        return VALUE_SIZE_PT
    return max(VALUE_SIZE_MIN_PT, min(VALUE_SIZE_PT, width_pt / width_at_one_pt))


def value_lines(row: ReceiptRow, font_name: str) -> tuple[tuple[str, float], ...]:
    """Each printed value line of row with its font size, the chain's free text shown
    (client/shown_text.py): a newline or an escape in a beneficiary is no line of its own."""
    lines, fitted_lines = tuple(map(shown, row.lines)), tuple(map(shown, row.fitted))
    fitted = (*lines, *fitted_lines) if row.unbreakable else fitted_lines
    wrapped = () if row.unbreakable else lines
    return (
        *(
            (part, VALUE_SIZE_PT)
            for line in wrapped
            for part in wrap_text(line, font_name, VALUE_SIZE_PT, VALUE_WIDTH_PT)
        ),
        *((line, fit_size_pt(line, font_name, VALUE_WIDTH_PT)) for line in fitted),
    )


def row_height_pt(line_count: int) -> float:
    return max(line_count * LINE_HEIGHT_PT, LABEL_HEIGHT_PT)


def layout_receipt(
    rows: tuple[ReceiptRow, ...], font_name: str, top_pt: float
) -> tuple[PlacedText, ...]:
    """layout_rows, with the rows closer together (ROW_GAP_TIGHT_PT) when that keeps them on
    one page and the usual gap does not: the demo's format-4 receipt, once it named its
    witness, printed its chain id alone on a second page."""
    placed = layout_rows(rows, font_name, top_pt)
    if page_count(placed) > 1:
        tight = layout_rows(rows, font_name, top_pt, gap_pt=ROW_GAP_TIGHT_PT)
        if page_count(tight) == 1:
            return tight
    return placed


def page_count(placed: tuple[PlacedText, ...]) -> int:
    return 1 + max((text.page for text in placed), default=0)


def layout_rows(
    rows: tuple[ReceiptRow, ...], font_name: str, top_pt: float, *, gap_pt: float = ROW_GAP_PT
) -> tuple[PlacedText, ...]:
    """Labels on the left, wrapped values on the right, from baseline top_pt on page 0,
    gap_pt between rows.

    A short row that does not fit in what is left of a page starts on the next one, whole; a
    row taller than KEEP_TOGETHER_PT is split, its value lines continuing on the next page.
    """
    placed: list[PlacedText] = []
    page, y = 0, top_pt
    for row in rows:
        lines = value_lines(row, font_name)
        height = row_height_pt(len(lines))
        # A short row must fit whole; a tall one needs room for two lines beside its labels.
        needed = height if height <= KEEP_TOGETHER_PT else 2 * LINE_HEIGHT_PT
        if y - needed < BOTTOM_PT - LINE_HEIGHT_PT:
            page, y = page + 1, PAGE_TOP_PT
        placed += _labels(row, page, y)
        row_top = y
        for text, size_pt in lines:
            if y < BOTTOM_PT:
                page, y = page + 1, PAGE_TOP_PT
                row_top = y
            placed.append(
                PlacedText(page=page, x_pt=VALUE_X_PT, y_pt=y, text=text, size_pt=size_pt)
            )
            y -= LINE_HEIGHT_PT
        y = min(y, row_top - LABEL_HEIGHT_PT) - gap_pt
    return tuple(placed)


def _labels(row: ReceiptRow, page: int, y: float) -> tuple[PlacedText, ...]:
    return (
        PlacedText(page=page, x_pt=MARGIN_PT, y_pt=y, text=row.label_zh, size_pt=LABEL_ZH_SIZE_PT),
        PlacedText(
            page=page,
            x_pt=MARGIN_PT,
            y_pt=y - LABEL_EN_DROP_PT,
            text=row.label_en,
            size_pt=LABEL_EN_SIZE_PT,
            grey=True,
        ),
    )
