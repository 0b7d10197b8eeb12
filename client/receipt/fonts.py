"""Finds and loads the TrueType CJK font that the receipt PDF embeds.

Search order: the --font PATH argument, then $LANTAN_CJK_FONT, then known Debian paths.
Only TrueType outlines qualify: reportlab cannot embed CFF (PostScript-outline) fonts such as
Noto Sans CJK. Reads the file system and the environment it is given; renders nothing and
imports no reportlab (a node picks its font at start; loading it is client/receipt/pdf.py's
job, at the first PDF).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from client.errors import FontError

FONT_ENV: Final = "LANTAN_CJK_FONT"
FONT_PACKAGE: Final = "fonts-wqy-zenhei"
"""The Debian package scripts/system-deps installs, named in the error when no font is found."""
REQUIRED_TEXT: Final = "象山县人民法院黄避岙蓝碳注销凭证"
"""Characters every receipt prints: a font without them would print empty boxes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownFont:
    path: str
    subfont_index: int
    """Which face of a TrueType collection (.ttc) to use; 0 for a plain .ttf."""
    package: str
    """The Debian package that installs it."""


KNOWN_FONTS: Final = (
    KnownFont(
        path="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", subfont_index=0, package=FONT_PACKAGE
    ),
    KnownFont(
        path="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        subfont_index=0,
        package="fonts-wqy-microhei",
    ),
    KnownFont(
        path="/usr/share/fonts/truetype/arphic/uming.ttc",
        subfont_index=0,
        package="fonts-arphic-uming",
    ),
    KnownFont(
        path="/usr/share/fonts/truetype/arphic/ukai.ttc",
        subfont_index=0,
        package="fonts-arphic-ukai",
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FontChoice:
    path: Path
    subfont_index: int
    source: str
    """Where the choice came from: "--font", "$LANTAN_CJK_FONT" or "default", for messages."""


def find_cjk_font(
    explicit_path: str | None,
    environ: Mapping[str, str],
    known_fonts: tuple[KnownFont, ...] = KNOWN_FONTS,
) -> FontChoice:
    """The font to use. An explicit or environment path must exist: it never falls back."""
    for source, value in (("--font", explicit_path), (f"${FONT_ENV}", environ.get(FONT_ENV))):
        if value:
            path = Path(value)
            if path.is_dir():
                raise FontError(
                    f"{source} {value}: a directory, not a font file "
                    "(name the .ttf/.ttc file in it)"
                )
            if not path.is_file():
                raise FontError(f"{source} {value}: no such font file")
            return FontChoice(path=path, subfont_index=0, source=source)
    for known in known_fonts:
        if Path(known.path).is_file():
            return FontChoice(
                path=Path(known.path), subfont_index=known.subfont_index, source="default"
            )
    raise FontError(
        "no TrueType CJK font found for the receipt PDF; install one "
        f"(Debian/Ubuntu: apt-get install {FONT_PACKAGE}, or run scripts/system-deps), "
        f"or pass --font PATH or set ${FONT_ENV} to a TrueType .ttf/.ttc file "
        "(CFF/OpenType-PS fonts such as Noto Sans CJK cannot be embedded)"
    )
