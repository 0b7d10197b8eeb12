"""client/cli/tables.py: widths of Chinese text, shortening, tables and records."""

from client.cli.tables import display_width, format_cell, render_record, render_table, shorten


def test_wide_characters_take_two_columns() -> None:
    assert display_width("abc") == 3
    assert display_width("象山县") == 6
    assert display_width("（2023）") == 8


def test_shorten_respects_columns_and_marks_the_cut() -> None:
    assert shorten("short", 10) == "short"
    cut = shorten("象山县蓝碳生态碳账户", 9)
    assert cut.endswith("…")
    assert display_width(cut) <= 9


def test_cells() -> None:
    assert format_cell(None) == "-"
    assert format_cell(True) == "true"
    assert format_cell("ab" * 32) == "ab" * 8 + "…"
    assert format_cell(["issuer", "validator"]) == "issuer, validator"
    assert format_cell({"a": 1}) == '{"a":1}'
    assert format_cell(422500) == "422500"


def test_table_uses_preferred_columns_that_exist() -> None:
    items = [{"id": "a", "name": "象山", "extra": 1}, {"id": "bb", "name": "x"}]
    lines = render_table(items, ("id", "name", "missing")).splitlines()
    assert lines[0].split() == ["id", "name"]
    assert lines[2] == "a   象山"
    assert render_table([]) == "(none)"
    assert render_table([{"k": 1}]).splitlines()[0] == "k"


def test_record_nests_objects_and_lists() -> None:
    text = render_record(
        {"case_id": "c", "obligors": [{"masked_name": "王某某"}], "meta": {"a": 1}}
    )
    assert "obligors  (1)" in text
    assert "    masked_name  王某某" in text
    assert "  a  1" in text


def test_free_text_is_shown_never_obeyed() -> None:
    # Stop 55: a name with a newline and a terminal escape printed lines of its own.
    spoof = "Acme\nretired 1000 t\x1b[2K\u202e"
    assert format_cell(spoof) == "Acme[U+000A]retired 1000 t[U+001B][2K[U+202E]"
    assert format_cell([spoof]) == format_cell(spoof)
    text = render_record({"beneficiary": spoof, "n\u200bame": {"inner": "\x07"}})
    assert "beneficiary  Acme[U+000A]retired 1000 t[U+001B][2K[U+202E]" in text.splitlines()
    assert "n[U+200B]ame" in text and "inner  [U+0007]" in text
    assert not any(char in text for char in "\x1b\u202e\u200b\x07")
