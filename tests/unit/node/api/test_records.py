"""/v1/state and the record lists per kind, with cursors."""

import json

import pytest

from contracts.state_keys import STATE_KEY_LENGTH_MAX
from node.api.errors import VALUE_SHOWN_MAX
from tests.unit.node.api.kit import (
    NINGBO,
    Api,
    assert_error,
    commit_pending,
    post_tx,
)
from tests.unit.node.chain_kit import (
    NAMES,
    account_open,
)

# --- records -------------------------------------------------------------------------------


def test_records_page_by_cursor_in_key_order(api: Api) -> None:
    body = api.client.get("/v1/institutions").json()
    ids = [item["institution_id"] for item in body["items"]]
    assert ids == sorted(NAMES)
    assert body["next_cursor"] is None
    paged: list[str] = []
    url = "/v1/institutions?limit=4"
    while url:
        page = api.client.get(url).json()
        assert len(page["items"]) <= 4
        paged += [item["institution_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        url = f"/v1/institutions?limit=4&cursor={cursor}" if cursor else ""
    assert paged == ids
    exact = api.client.get(f"/v1/institutions?limit={len(ids)}").json()
    assert exact["next_cursor"] is None


def test_one_record_by_id_and_by_state_key(api: Api) -> None:
    record = api.client.get("/v1/institutions/ningbo-ptc").json()
    assert record["institution_id"] == "ningbo-ptc"
    assert NINGBO.hex() in json.dumps(record)
    by_key = api.client.get("/v1/state/institution/ningbo-ptc").json()
    assert by_key == {"key": "institution/ningbo-ptc", "value": record, "height": 0}
    assert_error(api.client.get("/v1/institutions/nobody"), 404, "NOT_FOUND")
    assert_error(api.client.get("/v1/state/institution/nobody"), 404, "NOT_FOUND")


@pytest.mark.parametrize("route", ["/v1/state/", "/v1/proofs/state/"])
def test_a_state_key_longer_than_any_key_is_refused_before_a_read(api: Api, route: str) -> None:
    longest = "institution/" + "n" * (STATE_KEY_LENGTH_MAX - len("institution/"))
    read = api.client.get(route + longest)  # no family's shape (a slug is at most 64)
    assert_error(read, 400, "BAD_KEY")
    answer = api.client.get(route + longest + "n")
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("route", ["/v1/state/", "/v1/proofs/state/"])
def test_an_empty_state_key_is_not_found_before_a_read(api: Api, route: str) -> None:
    # {key:path} matches "", which no state key is: 404 as an empty /v1/txs/ segment is,
    # not a proof of the absence of "" nor a read of it.
    error = assert_error(api.client.get(route), 404, "NOT_FOUND")
    assert error["detail"] == (
        f"no state key: the route is {route}{{key}}, e.g. account/<id> (docs/STATE.md)"
    )
    assert_error(api.client.get(route + "?height=0"), 404, "NOT_FOUND")


@pytest.mark.parametrize("route", ["/v1/state/", "/v1/proofs/state/"])
def test_a_key_of_no_family_s_shape_is_400_and_a_well_formed_absent_one_is_not(
    api: Api, route: str
) -> None:
    # The proof route answered 200 with a non-inclusion proof for any string (`acount/x`,
    # `hello`), where /v1/state answered 404: a typo read as "absent, proven".
    for key in ("acount/ningbo-ptc", "hello", "account/Upper", "key/abcd"):
        error = assert_error(api.client.get(route + key), 400, "BAD_KEY")
        assert "is no state key" in error["detail"]
    absent = api.client.get(route + "account/nobody")
    if "proofs" in route:
        assert absent.status_code == 200 and absent.json()["value"] is None, absent.text
    else:
        assert_error(absent, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/retirements/" + "AB" * 32,  # an upper-case hash
        "/v1/retirements/" + "ab" * 31,  # a short one
        "/v1/retirements/%E2%80%AE",
        "/v1/institutions/%00",
        "/v1/institutions/Ningbo-ptc",
        "/v1/accounts/" + "a" * 600,
        "/v1/accounts/" + "a" * 600 + "/holdings",
        "/v1/batches/no%20such/serials",
    ],
)
def test_a_record_id_of_no_family_s_shape_is_400_bad_key_not_absent(api: Api, path: str) -> None:
    # They were 404 "no record ...", echoing the whole id (600 characters): a typo of a
    # retirement id read as "this retirement does not exist".
    error = assert_error(api.client.get(path), 400, "BAD_KEY")
    assert "is no state key" in error["detail"]
    assert len(error["detail"].partition(" is no state key")[0]) <= VALUE_SHOWN_MAX + 5


def test_a_well_formed_absent_record_id_is_404(api: Api) -> None:
    for path in ("/v1/retirements/" + "ab" * 32, "/v1/institutions/nobody"):
        assert_error(api.client.get(path), 404, "NOT_FOUND")
    assert_error(api.client.get("/v1/accounts/nobody/holdings"), 404, "NOT_FOUND")


def test_committed_accounts_are_listed(api: Api) -> None:
    assert api.client.get("/v1/accounts").json() == {"items": [], "next_cursor": None}
    for n in (1, 2, 3):
        assert post_tx(api, account_open(n, f"acct-{n}")).status_code == 202
    commit_pending(api)
    first = api.client.get("/v1/accounts?limit=2").json()
    assert [item["account_id"] for item in first["items"]] == ["acct-1", "acct-2"]
    rest = api.client.get(f"/v1/accounts?limit=2&cursor={first['next_cursor']}").json()
    assert [item["account_id"] for item in rest["items"]] == ["acct-3"]
    assert rest["next_cursor"] is None
    holdings = api.client.get("/v1/accounts/acct-1/holdings").json()
    assert holdings == {"items": [], "next_cursor": None}
    # An account or batch that does not exist is not one that holds nothing.
    for route in ("/v1/accounts/no-such/holdings", "/v1/batches/no-such/serials"):
        assert_error(api.client.get(route), 404, "NOT_FOUND")


def test_a_cursor_of_another_list_is_400_not_an_empty_page(api: Api) -> None:
    # An institutions cursor on /v1/accounts read as "after institution/...": an empty
    # page, which looks like the end of the accounts list.
    cursor = api.client.get("/v1/institutions?limit=1").json()["next_cursor"]
    assert cursor is not None
    assert api.client.get(f"/v1/institutions?cursor={cursor}").status_code == 200
    for route in ("/v1/accounts", "/v1/projects", "/v1/retirements"):
        error = assert_error(api.client.get(f"{route}?cursor={cursor}"), 400, "BAD_CURSOR")
        assert "for this list" in error["detail"]
    prefix_alone = b"institution/".hex()
    assert_error(api.client.get(f"/v1/institutions?cursor={prefix_alone}"), 400, "BAD_CURSOR")


@pytest.mark.parametrize("cursor", ["zz", "f", "ff"])
def test_a_bad_record_cursor_is_400(api: Api, cursor: str) -> None:
    assert_error(api.client.get(f"/v1/projects?cursor={cursor}"), 400, "BAD_CURSOR")
