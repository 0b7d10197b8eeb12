"""Finding and loading the receipt PDF's CJK font: --font, $LANTAN_CJK_FONT, Debian paths."""

from pathlib import Path

import pytest

from client.errors import FontError
from client.receipt.fonts import (
    FONT_ENV,
    KNOWN_FONTS,
    FontChoice,
    KnownFont,
    find_cjk_font,
)
from client.receipt.pdf import register_cjk_font
from tests.unit.client.receipt_pdf_kit import cjk_font_or_skip

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def touch(path: Path) -> Path:
    path.write_bytes(b"font bytes are not read while searching")
    return path


@pytest.fixture(scope="module")
def cjk_font() -> FontChoice:
    return cjk_font_or_skip()


# The search order.


def test_explicit_font_wins_over_the_environment_and_known_paths(tmp_path: Path):
    explicit = touch(tmp_path / "explicit.ttf")
    from_env = touch(tmp_path / "env.ttf")
    known = (KnownFont(path=str(touch(tmp_path / "known.ttc")), subfont_index=2, package="x"),)
    choice = find_cjk_font(str(explicit), {FONT_ENV: str(from_env)}, known)
    assert choice == FontChoice(path=explicit, subfont_index=0, source="--font")


def test_environment_comes_before_known_paths(tmp_path: Path):
    from_env = touch(tmp_path / "env.ttf")
    known = (KnownFont(path=str(touch(tmp_path / "known.ttc")), subfont_index=0, package="x"),)
    choice = find_cjk_font(None, {FONT_ENV: str(from_env)}, known)
    assert choice == FontChoice(path=from_env, subfont_index=0, source="$LANTAN_CJK_FONT")


def test_first_known_font_that_exists_is_used_with_its_subfont_index(tmp_path: Path):
    present = touch(tmp_path / "present.ttc")
    known = (
        KnownFont(path=str(tmp_path / "absent.ttc"), subfont_index=0, package="absent"),
        KnownFont(path=str(present), subfont_index=1, package="present"),
    )
    choice = find_cjk_font(None, {FONT_ENV: ""}, known)
    assert choice == FontChoice(path=present, subfont_index=1, source="default")


def test_a_missing_explicit_font_is_an_error_not_a_fallback(tmp_path: Path):
    known = (KnownFont(path=str(touch(tmp_path / "known.ttc")), subfont_index=0, package="x"),)
    with pytest.raises(FontError, match=r"--font .*nope\.ttf: no such font file"):
        find_cjk_font(str(tmp_path / "nope.ttf"), {}, known)
    with pytest.raises(FontError, match=r"\$LANTAN_CJK_FONT .*nope\.ttf: no such font file"):
        find_cjk_font(None, {FONT_ENV: str(tmp_path / "nope.ttf")}, known)


def test_a_directory_given_as_the_font_is_said_to_be_one(tmp_path: Path):
    # It said "no such font file", as if the path did not exist.
    with pytest.raises(FontError, match=r"^--font .*: a directory, not a font file"):
        find_cjk_font(str(tmp_path), {}, ())
    with pytest.raises(FontError, match=r"^\$LANTAN_CJK_FONT .*: a directory, not a font file"):
        find_cjk_font(None, {FONT_ENV: str(tmp_path)}, ())


def test_no_font_anywhere_names_the_debian_package_and_the_options():
    with pytest.raises(FontError) as raised:
        find_cjk_font(None, {}, known_fonts=())
    message = str(raised.value)
    assert "apt-get install fonts-wqy-zenhei" in message
    assert "scripts/system-deps" in message
    assert "--font PATH" in message
    assert "$LANTAN_CJK_FONT" in message
    assert "CFF" in message


def test_known_fonts_are_truetype_collections_debian_ships():
    assert KNOWN_FONTS[0].path == "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
    assert KNOWN_FONTS[0].package == "fonts-wqy-zenhei"
    assert all(known.path.startswith("/usr/share/fonts/truetype/") for known in KNOWN_FONTS)


# Loading into reportlab.


def test_registering_a_cjk_font_is_idempotent(cjk_font: FontChoice):
    name = register_cjk_font(cjk_font)
    assert name.startswith("LantanCJK-")
    assert register_cjk_font(cjk_font) == name


def test_each_face_of_a_collection_gets_its_own_name(cjk_font: FontChoice):
    if cjk_font.path.suffix != ".ttc":
        pytest.skip(f"{cjk_font.path} is not a TrueType collection")
    other_face = FontChoice(path=cjk_font.path, subfont_index=1, source="test")
    assert register_cjk_font(other_face) != register_cjk_font(cjk_font)


def test_a_file_that_is_not_truetype_is_refused(tmp_path: Path):
    fake = FontChoice(path=touch(tmp_path / "fake.ttf"), subfont_index=0, source="--font")
    with pytest.raises(FontError, match=r"--font .*fake\.ttf: not a TrueType font"):
        register_cjk_font(fake)


def test_a_font_without_chinese_glyphs_is_refused():
    if not DEJAVU.is_file():
        pytest.skip(f"{DEJAVU} not installed (Debian package fonts-dejavu-core)")
    latin_only = FontChoice(path=DEJAVU, subfont_index=0, source="--font")
    with pytest.raises(FontError, match=r"not a CJK font .*no glyph for"):
        register_cjk_font(latin_only)
