"""client/tx/body.py: --body and --set, nullable defaults, and local body checks."""

import json
from pathlib import Path

import pytest

from client.errors import TxInputError, UsageError
from client.tx.body import (
    apply_settings,
    body_fields,
    fill_nullable_fields,
    parse_setting_value,
    read_body_argument,
    string_fields,
    tx_type_of,
    validate_body,
)
from contracts.tx_types import TxType
from genesis.example.xiangshan_case import xiangshan_case_steps
from protocol.encoding import JsonObject

TRANSFER: JsonObject = {
    "from_account": "huangbiao-township",
    "to_account": "xiangshan-ecological-account",
    "batch_id": "huangbiao-mariculture-2022-v1",
    "quantity_kg": 422_500,
    "broker": "ningbo-ptc",
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("true", True),
        ("null", None),
        ('["a", "b"]', ["a", "b"]),
        ('"2022"', "2022"),
        ("ningbo-ptc", "ningbo-ptc"),
        ("象山县人民法院", "象山县人民法院"),
        ("", ""),
    ],
)
def test_setting_values_are_json_when_they_parse_else_strings(text: str, value: object) -> None:
    assert parse_setting_value(text) == value


@pytest.mark.parametrize("text", ["1.5", "1e3", "9007199254740993"])
def test_setting_values_refuse_floats_and_huge_integers(text: str) -> None:
    with pytest.raises(UsageError):
        parse_setting_value(text)


@pytest.mark.parametrize("text", ["422.5t", "422.5 t", "1e3kg", "1.5,0"])
def test_a_number_with_a_unit_gets_the_fields_message_not_the_fraction_one(text: str) -> None:
    """`--set quantity_kg=422.5t` said "number 422.5 has a fraction part" (exit 2), the unit
    unseen, where `422t` says the field expects an integer number of kg (exit 1): both now
    take the field's path (stop 57)."""
    assert parse_setting_value(text) == text
    with pytest.raises(TxInputError) as fraction:
        validate_body(TxType.CREDITS_TRANSFER, {**TRANSFER, "quantity_kg": text})
    with pytest.raises(TxInputError) as whole:
        validate_body(TxType.CREDITS_TRANSFER, {**TRANSFER, "quantity_kg": "422t"})
    assert (fraction.value.code, str(fraction.value)) == (whole.value.code, str(whole.value))
    assert "expected an integer number of kg" in str(fraction.value)


def test_set_overrides_body_and_nests_dotted_names() -> None:
    body: JsonObject = {"quantity_kg": 1, "nested": {"keep": True}}
    result = apply_settings(body, ["quantity_kg=422500", "nested.value=x", "a.b.c=1"])
    assert result == {
        "quantity_kg": 422500,
        "nested": {"keep": True, "value": "x"},
        "a": {"b": {"c": 1}},
    }
    assert body == {"quantity_kg": 1, "nested": {"keep": True}}, "the input is not edited"


# A random hex key starts with digits, an "e" and digits one time in a few hundred:
# read as JSON it is a number with an exponent, which --set refused (a flaky CLI test).
HEX_KEY = "5e33" + "0123456789abcdef" * 3 + "0123456789ab"
DIGIT_KEY = "20230" * 12 + "1234"


def test_string_fields_cover_ids_texts_dates_keys_and_hashes() -> None:
    assert string_fields(TxType.ACCOUNT_OPEN) == {
        "account_id",
        "holder_key",
        "display_name",
        "kind",
    }
    assert "quantity_kg" not in string_fields(TxType.CREDITS_TRANSFER)
    assert "broker" in string_fields(TxType.CREDITS_TRANSFER)
    assert "document_hash" in string_fields(TxType.CASE_REGISTER)
    assert "validator_set" not in string_fields(TxType.VALIDATORS_UPDATE)


@pytest.mark.parametrize("key", [HEX_KEY, DIGIT_KEY])
def test_hex_keys_stay_strings(key: str) -> None:
    assert len(key) == 64
    strings = string_fields(TxType.ACCOUNT_OPEN)
    body = apply_settings({}, [f"holder_key={key}", "account_id=2023"], strings)
    assert body == {"holder_key": key, "account_id": "2023"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("null", None), ('"2022"', "2022"), ("42", "42"), ("1e3", "1e3"), ("true", "true"), ("", "")],
)
def test_string_fields_decode_only_null_and_quoted_strings(text: str, value: object) -> None:
    assert parse_setting_value(text, string=True) == value


def test_fields_not_declared_strings_keep_the_json_rule() -> None:
    strings = string_fields(TxType.CREDITS_TRANSFER)
    body = apply_settings({}, ["quantity_kg=422500", "nested.broker=7"], strings)
    assert body == {"quantity_kg": 422500, "nested": {"broker": 7}}
    with pytest.raises(UsageError):
        apply_settings({}, ["quantity_kg=1e3"], strings)


@pytest.mark.parametrize("setting", ["no-equals", "=value", "quantity_kg.x=1"])
def test_bad_settings_are_usage_errors(setting: str) -> None:
    with pytest.raises(UsageError):
        apply_settings({"quantity_kg": 1}, [setting])


def test_body_inline_and_from_file(tmp_path: Path) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps(TRANSFER, indent=2), encoding="utf-8")
    assert read_body_argument(f"@{path}") == TRANSFER
    assert read_body_argument(json.dumps(TRANSFER)) == TRANSFER
    assert read_body_argument(None) == {}


@pytest.mark.parametrize("argument", ["[1]", '{"a": 1.5}', "{", '{"a": 1, "a": 2}', "@/no/file"])
def test_bad_bodies_are_usage_errors(argument: str) -> None:
    with pytest.raises(UsageError):
        read_body_argument(argument)


@pytest.mark.parametrize(
    ("argument", "where"),
    [('{"a": }', "line 1 column 7"), ('{\n  "a": 1,\n  "b": \n}', "line 4 column 1")],
)
def test_malformed_bodies_say_the_line_and_column(argument: str, where: str) -> None:
    """A body typed inline or kept in a file is read by a person: "character 18" alone
    sends them counting characters across lines."""
    with pytest.raises(UsageError, match=f"malformed JSON: Expecting value: {where} "):
        read_body_argument(argument)


def test_nullable_fields_default_to_null_but_given_values_stay() -> None:
    transfer = TxType.CREDITS_TRANSFER
    without_broker: JsonObject = {k: v for k, v in TRANSFER.items() if k != "broker"}
    assert fill_nullable_fields(transfer, without_broker)["broker"] is None
    assert fill_nullable_fields(transfer, TRANSFER)["broker"] == "ningbo-ptc"
    assert "batch_id" not in fill_nullable_fields(transfer, {})


def test_body_fields_name_every_field_of_the_real_case_bodies() -> None:
    for step in xiangshan_case_steps():
        names = {name for name, _ in body_fields(TxType(step.tx_type))}
        assert names == set(step.body), step.tx_type


def test_validators_update_uses_the_wire_name() -> None:
    names = [name for name, _ in body_fields(TxType.VALIDATORS_UPDATE)]
    assert names == ["validator_set", "evidence_hashes"]


def test_every_real_case_body_validates() -> None:
    for step in xiangshan_case_steps():
        validate_body(TxType(step.tx_type), step.body)


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        ({"quantity_kg": 0}, "zero_amount"),
        ({"quantity_kg": -5}, "negative_amount"),
        ({"quantity_kg": "422500"}, "field_type"),
        ({"batch_id": "Not A Slug"}, "field_type"),
        ({"extra": 1}, "unknown_field"),
        ({"batch_id": None}, "field_type"),
    ],
)
def test_local_validation_gives_the_nodes_reason(edit: JsonObject, code: str) -> None:
    with pytest.raises(TxInputError) as caught:
        validate_body(TxType.CREDITS_TRANSFER, {**TRANSFER, **edit})
    assert caught.value.code == code


def test_missing_field_is_named() -> None:
    body: JsonObject = {k: v for k, v in TRANSFER.items() if k != "batch_id"}
    with pytest.raises(TxInputError, match="batch_id") as caught:
        validate_body(TxType.CREDITS_TRANSFER, body)
    assert caught.value.code == "missing_field"


def test_unknown_tx_type_lists_the_known_ones() -> None:
    with pytest.raises(TxInputError, match=r"credits\.transfer") as caught:
        tx_type_of("credits.burn")
    assert caught.value.code == "unknown_tx_type"
