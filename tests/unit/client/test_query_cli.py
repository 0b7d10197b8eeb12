"""`lantan query`: every resource against a fake node, tables by default, JSON on request."""

import json
from datetime import UTC, datetime

import pytest

from client.cli.query import LIST_RESOURCES
from client.cli.support import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from client.cli.tables import display_width
from genesis.example.xiangshan_case import xiangshan_case_steps
from genesis.network import ECOLOGICAL_ACCOUNT_ID
from node.api.routes.records import KINDS
from tests.kit.lantan_cli import run_lantan
from tests.unit.client.conftest import Network
from tests.unit.client.fake_node import (
    LIST_PREFIXES,
    FakeNode,
    Handle,
    now_ms,
    ok,
    serve,
    serve_answers,
)
from tests.unit.client.test_tx_cli import open_township_account
from tests.unit.node.case_chain import (
    ATTESTED_ID,
    SECOND_CASE,
    VERIFIER,
    Signer,
    attestation_txs,
    case_lifecycle_txs,
    open_account,
    tenure_and_links_txs,
)
from tests.unit.node.chain_kit import GENESIS, TX_LIFETIME_MS
from tests.vectors import claim_decision_example, reversal_example
from tests.vectors.links_example import EXTERNAL_ID, REGISTRY
from tests.vectors.tenure_example import BODY as TENURE_BODY

KIND, NUMBER = str(TENURE_BODY["certificate_kind"]), str(TENURE_BODY["certificate_number"])


def query(*argv: str) -> tuple[int, str, str]:
    done = run_lantan("query", *argv)
    return done.returncode, done.stdout, done.stderr


def test_status_table_and_json(network: Network, node_url: str) -> None:
    exit_code, out, _ = query("status", "--node", node_url)
    assert exit_code == EXIT_OK
    assert network.genesis.chain_id.hex() in out
    assert "xiangshan-county+" in out, "validators are listed with their verifier keys"
    _, out, _ = query("status", "--node", node_url, "--json")
    assert json.loads(out)["quorum"] == 2


def test_status_of_several_nodes_shows_each_nodes_head(network: Network, node_url: str) -> None:
    # Stop 48: with $LANTAN_NODES naming three nodes, `query status` showed the first that
    # answered and nothing of the others; an operator could not see one node lag or be down.
    with serve(FakeNode(network.genesis, name="ningbo-ptc")) as second:
        with serve(FakeNode(network.genesis)) as gone:
            pass
        with serve_answers(lambda *_: ok({"chain_id": "ab" * 32, "node": "x"})) as other:
            nodes = ",".join((node_url, second, gone, other))
            exit_code, out, err = query("status", "--node", nodes)
            json_exit_code, as_json, json_err = query("status", "--node", nodes, "--json")
    each = out.split(f"each node (4 given; the details above are from {node_url}):\n")[1]
    rows = {line.split()[0]: line for line in each.splitlines()[2:]}
    assert rows[node_url].split()[1:3] == ["xiangshan-county", "0"]
    assert rows[second].split()[1:3] == ["ningbo-ptc", "0"]
    assert "cannot reach it" in rows[gone]
    assert "another chain: abababab" in rows[other]
    assert json.loads(as_json)["node"] == "xiangshan-county", "--json: the first node's, as before"
    # Stop 51: it exited 0 with one node down and one on another chain; an auditor's script
    # went on. Now the table is printed, then one line naming each node that failed.
    chain = network.genesis.chain_id.hex()
    assert (exit_code, json_exit_code) == (EXIT_FAILURE, EXIT_FAILURE)
    assert err == json_err
    assert err.startswith(
        f"lantan query status: error: 2 of 4 nodes not in step with chain {chain[:16]} "
        f"(the first node that answered, {node_url}): "
    )
    assert f"{gone}: cannot reach it" in err
    assert f"{other} serves another chain: {'ab' * 32}" in err
    assert node_url not in err.split("): ", 1)[1] and second not in err


def test_status_asks_each_node_once(network: Network) -> None:
    # Stop 50: with several nodes, `query status` asked the first node twice (once for the
    # record, once more for the table of every node's head).
    first, second = FakeNode(network.genesis), FakeNode(network.genesis, name="ningbo-ptc")
    with serve(first) as first_url, serve(second) as second_url:
        exit_code, out, _ = query("status", "--node", f"{first_url},{second_url}")
    assert exit_code == EXIT_OK
    assert f"the details above are from {first_url}" in out
    assert [first.requests, second.requests] == [[("GET", "/v1/status")]] * 2


def other_chain_status(network: Network, **fields: object) -> Handle:
    """Answers of a node whose /v1/status is the network's with fields replaced."""
    status = FakeNode(network.genesis, name="elsewhere").status() | fields
    return lambda method, path, _body: ok(status) if path == "/v1/status" else None


def test_status_genesis_is_the_reference_not_the_first_node(
    network: Network, node_url: str
) -> None:
    # Stop 51: the nodes were compared with the first that answered, so a first node of
    # another network made every true node look wrong, and the command still exited 0.
    chain = network.genesis.chain_id.hex()
    with serve_answers(other_chain_status(network, chain_id="ab" * 32)) as other:
        nodes = f"{other},{node_url}"
        exit_unchecked, _, err_unchecked = query("status", "--node", nodes)
        for reference in (str(network.genesis_path), chain):
            exit_code, out, err = query("status", "--node", nodes, "--genesis", reference)
            assert exit_code == EXIT_FAILURE
            assert f"the details above are from {node_url}" in out
            source = str(network.genesis_path) if reference != chain else "the chain id given"
            assert f"1 of 2 nodes not in step with chain {chain[:16]} ({source}): " in err
            assert f"{other} serves another chain: {'ab' * 32}" in err
        exit_alone, _, err_alone = query("status", "--node", node_url, "--genesis", chain, "--json")
        exit_wrong, _, err_wrong = query("status", "--node", other, "--genesis", chain, "--json")
    assert exit_unchecked == EXIT_FAILURE, "without --genesis, the first that answered"
    assert f"{node_url} serves another chain: {chain}" in err_unchecked
    assert (exit_alone, err_alone) == (EXIT_OK, "")
    # No node on the chain given: said so, not "no node answered" (it did, on another).
    assert exit_wrong == EXIT_FAILURE
    assert f"1 of 1 nodes not in step with chain {chain[:16]} (the chain id given): " in err_wrong
    assert f"{other} serves another chain" in err_wrong


def test_status_of_two_heads_at_one_height_fails(network: Network, node_url: str) -> None:
    # One chain has one block per height: two nodes at one height with two heads is a fork.
    with serve_answers(other_chain_status(network, head_hash="ee" * 32)) as forked:
        exit_code, _, err = query("status", "--node", f"{node_url},{forked}")
        with serve_answers(other_chain_status(network, height=7, head_hash="ee" * 32)) as ahead:
            exit_ahead, _, err_ahead = query("status", "--node", f"{node_url},{ahead}")
    assert exit_code == EXIT_FAILURE
    assert f"{forked}: another head at height 0 than {node_url}: {'ee' * 32}" in err
    assert (exit_ahead, err_ahead) == (EXIT_OK, ""), "another height: nothing to compare"


@pytest.mark.parametrize("reference", ["missing.json", "AB" * 32, "ab" * 31])
def test_status_genesis_that_cannot_work_is_usage(reference: str, node_url: str) -> None:
    # Neither a genesis file nor a chain id (upper case, 31 bytes): read as a file, missing.
    exit_code, _, err = query("status", "--node", node_url, "--genesis", reference)
    assert exit_code == EXIT_USAGE
    assert f"argument --genesis: {reference}: cannot read" in err


def test_lists_print_chinese_names_in_aligned_columns(node_url: str) -> None:
    exit_code, out, _ = query("institutions", "--node", node_url)
    assert exit_code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split() == ["institution_id", "name_zh", "name_en", "roles"]
    court = next(line for line in lines if line.startswith("xiangshan-court "))
    county = next(line for line in lines if line.startswith("xiangshan-county "))
    # Both rows put name_en at the same terminal column although name_zh differs in length.
    assert display_width(court.split("Xiangshan")[0]) == display_width(county.split("Xiangshan")[0])


def test_all_follows_cursors(fake: FakeNode, node_url: str) -> None:
    _, out, err = query("institutions", "--node", node_url, "--limit", "2", "--json")
    first_page = json.loads(out)
    assert len(first_page["items"]) == 2
    assert first_page["next_cursor"] is not None
    _, out, _ = query("institutions", "--node", node_url, "--limit", "2", "--all",
                      "--json")  # fmt: skip
    everything = json.loads(out)
    assert len(everything["items"]) == 6
    assert everything["next_cursor"] is None
    list_requests = [path for _, path in fake.requests if path == "/v1/institutions"]
    assert len(list_requests) == 1 + 3
    _, _, err = query("institutions", "--node", node_url, "--limit", "2")
    assert "--cursor" in err, "a partial table says how to go on"


def test_single_records_and_not_found(node_url: str) -> None:
    exit_code, out, _ = query("accounts", ECOLOGICAL_ACCOUNT_ID, "--node", node_url)
    assert exit_code == EXIT_OK
    assert "象山县蓝碳生态碳账户" in out
    exit_code, _, err = query("projects", "nowhere", "--node", node_url)
    assert exit_code == EXIT_FAILURE
    assert "NOT_FOUND (HTTP 404)" in err


def test_state_key_with_slashes(node_url: str) -> None:
    exit_code, out, _ = query("state", "institution/xiangshan-court", "--node",
                              node_url, "--json")  # fmt: skip
    assert exit_code == EXIT_OK
    assert json.loads(out)["value"]["name_zh"] == "象山县人民法院"


@pytest.mark.parametrize(
    "key", ["account/x/../xiangshan-eco-account", "./account/a", "account//a", "account/"]
)
def test_a_state_key_with_dot_or_empty_segments_is_refused(node_url: str, key: str) -> None:
    """An HTTP client would resolve "../" before sending: the key read would not be the
    key asked for."""
    exit_code, out, err = query("state", key, "--node", node_url)
    assert exit_code == EXIT_USAGE and not out
    assert f"state key {key!r} has an empty, '.' or '..' segment" in err, err


def test_tx_block_blocks_and_checkpoint(network: Network, fake: FakeNode, node_url: str) -> None:
    opened = open_township_account(network, node_url, "--json")
    assert opened.returncode == EXIT_OK
    tx_id = json.loads(opened.stdout)["tx_id"]
    _, out, _ = query("tx", tx_id, "--node", node_url, "--json")
    assert json.loads(out)["result"] == {"status": "accepted", "reason": None}
    exit_code, out, _ = query("block", "1", "--node", node_url)
    assert exit_code == EXIT_OK
    assert "tx_count" in out
    _, out, _ = query("blocks", "--node", node_url, "--json")
    (block,) = json.loads(out)["items"]
    assert block["height"] == 1
    # The table: its time as a UTC date and its proposer by name, as `query status` and
    # the dashboard show them (h57 F13); --json keeps the header's fields.
    _, table, _ = query("blocks", "--node", node_url)
    when = datetime.fromtimestamp(block["time_ms"] / 1000, tz=UTC)
    assert f"{when:%Y-%m-%d %H:%M:%S} UTC" in table and str(block["time_ms"]) not in table
    names = {v.public_key.hex(): v.name for v in fake.genesis.document.validators.validators}
    assert names[block["proposer"]] in table and block["proposer"][:8] not in table
    _, out, _ = query("checkpoint", "--node", node_url)
    assert out.startswith("lantan/")
    _, out, _ = query("holdings", "huangbiao-township", "--node", node_url)
    assert out.strip() == "(none)"


def test_sublists_use_the_owner_in_the_path(fake: FakeNode, node_url: str) -> None:
    query("holdings", "huangbiao-township", "--node", node_url)
    query("serials", "batch-1", "--node", node_url)
    paths = [path for _, path in fake.requests]
    assert paths == ["/v1/accounts/huangbiao-township/holdings", "/v1/batches/batch-1/serials"]


@pytest.mark.parametrize(
    "argv",
    [("block", "tip"), ("accounts", "--limit", "500"), ("tx", "aa", "--wait-ms", "60000")],
)
def test_bad_arguments_are_usage_errors(node_url: str, argv: tuple[str, ...]) -> None:
    exit_code, _, err = query(*argv, "--node", node_url)  # argparse's or the command's
    assert exit_code == EXIT_USAGE
    assert err


def test_second_node_answers_when_the_first_is_down(network: Network, node_url: str) -> None:
    with serve(FakeNode(network.genesis)) as dead_url:
        pass
    exit_code, out, err = query("status", "--node", f"{dead_url},{node_url}", "--json")
    assert json.loads(out)["node"] == "xiangshan-county"
    assert exit_code == EXIT_FAILURE, "a node named and down fails the check (stop 51)"
    assert f"{dead_url}: cannot reach it" in err


def attested_node() -> FakeNode:
    """A fake node over the node tests' genesis: the case's account and project, then a
    verifier accredited by the validator quorum attests a verification and the county
    issues from it (tests/unit/node/case_chain.py), each tx its own block."""
    fake = FakeNode(GENESIS)
    signer = Signer(expires_at_ms=now_ms() + TX_LIFETIME_MS // 2)
    account, project = xiangshan_case_steps()[:2]
    steps = [signer.tx(s.sender, s.tx_type, dict(s.body), s.cosigners) for s in (account, project)]
    for signed in (*steps, *attestation_txs(signer)):
        fake.pending.append(signed)
        fake.commit()
        assert fake.tx_status(signed.tx_id.hex())["result"]["status"] == "accepted"
    return fake


def test_attested_verifications_are_listed_and_read_one_by_one() -> None:
    fake = attested_node()
    with serve(fake) as url:
        exit_code, out, _ = query("attested-verifications", "--node", url)
        assert exit_code == EXIT_OK
        header, _rule, row = out.splitlines()[:3]
        assert header.split() == [
            "verification_id", "project_id", "verifier", "period_start", "period_end",
            "methodology_id", "methodology_version", "net_sink_kg", "issued_kg",
        ]  # fmt: skip
        assert row.startswith(f"{ATTESTED_ID} ") and row.split()[-2:] == ["480000", "200000"]
        exit_code, out, _ = query("attested-verifications", ATTESTED_ID, "--node", url,
                                  "--json")  # fmt: skip
        assert exit_code == EXIT_OK
        record = json.loads(out)
        assert record["verifier"] == VERIFIER and len(record["reports"]) == 3
        exit_code, _, err = query("attested-verifications", "nothing", "--node", url)
        assert exit_code == EXIT_FAILURE and "NOT_FOUND" in err
    paths = [path for _, path in fake.requests]
    assert paths == [
        "/v1/attested-verifications",
        f"/v1/attested-verifications/{ATTESTED_ID}",
        "/v1/attested-verifications/nothing",
    ]


def test_cases_show_their_status() -> None:
    """The Xiangshan case retired in full, judged and closed, and a second case registered
    (tests/unit/node/case_chain.py), each tx its own block."""
    fake = FakeNode(GENESIS)
    signer = Signer(expires_at_ms=now_ms() + TX_LIFETIME_MS // 2)
    eco = open_account(signer, ECOLOGICAL_ACCOUNT_ID, "xiangshan-county", "ecological")
    steps = [
        signer.tx(s.sender, s.tx_type, dict(s.body), s.cosigners) for s in xiangshan_case_steps()
    ]
    for signed in (eco, *steps, *case_lifecycle_txs(signer)):
        fake.pending.append(signed)
        fake.commit()
        assert fake.tx_status(signed.tx_id.hex())["result"]["status"] == "accepted", signed.tx.type
    with serve(fake) as url:
        exit_code, out, _ = query("cases", "--node", url)
        assert exit_code == EXIT_OK
        header, _rule, closed, registered = out.splitlines()[:4]
        assert header.split()[-1] == "status"
        assert closed.split()[-3:] == ["422500", "422500", "closed"]
        assert registered.startswith(SECOND_CASE) and registered.split()[-1] == "registered"
        exit_code, out, _ = query("cases", SECOND_CASE, "--node", url, "--json")
        assert exit_code == EXIT_OK
        record = json.loads(out)
        assert (record["status"], record["judgment"], record["closure"]) == (
            "registered",
            None,
            None,
        )


def test_tenure_and_external_ids_are_looked_up() -> None:
    """The Xiangshan case, an accredited verification, then the project's tenure and the
    batch's links (tests/unit/node/case_chain.py), each tx its own block."""
    fake = FakeNode(GENESIS)
    signer = Signer(expires_at_ms=now_ms() + TX_LIFETIME_MS // 2)
    eco = open_account(signer, ECOLOGICAL_ACCOUNT_ID, "xiangshan-county", "ecological")
    steps = [
        signer.tx(s.sender, s.tx_type, dict(s.body), s.cosigners) for s in xiangshan_case_steps()
    ]
    for signed in (eco, *steps, *attestation_txs(signer), *tenure_and_links_txs(signer)):
        fake.pending.append(signed)
        fake.commit()
        assert fake.tx_status(signed.tx_id.hex())["result"]["status"] == "accepted", signed.tx.type
    with serve(fake) as url:
        exit_code, out, _ = query("tenure", KIND, NUMBER, "--node", url)
        assert exit_code == EXIT_OK
        assert "huangbiao-mariculture" in out and f"tenure/{KIND}/{NUMBER}" in out
        exit_code, out, _ = query("external-id", REGISTRY, EXTERNAL_ID, "--node", url,
                                  "--json")  # fmt: skip
        assert exit_code == EXIT_OK
        assert json.loads(out)["value"]["batch_id"] == "huangbiao-mariculture-2022-v1"
        exit_code, _, err = query("external-id", "verra", "VCS 1/2", "--node", url)
        assert exit_code == EXIT_FAILURE and "NOT_FOUND" in err
        exit_code, out, _ = query("projects", "huangbiao-mariculture", "--node", url,
                                  "--json")  # fmt: skip
        assert json.loads(out)["tenure"]["certificate_number"] == NUMBER
    paths = [path for _, path in fake.requests if not path.startswith(("/v1/txs", "/v1/status"))]
    assert paths[-4:] == [
        f"/v1/tenure/{KIND}/{NUMBER}",
        f"/v1/external-ids/{REGISTRY}/{EXTERNAL_ID}",
        "/v1/external-ids/verra/VCS%201%2F2",
        "/v1/projects/huangbiao-mariculture",
    ]


def test_every_list_resource_is_a_list_the_node_serves() -> None:
    served = {*KINDS, "blocks"}
    assert {resource.name for resource in LIST_RESOURCES} <= served
    assert set(LIST_PREFIXES) <= served


def test_reversals_and_claims_are_listed_and_read() -> None:
    """The Xiangshan case, an accredited verifier, then the worked example's storm loss of
    docs/STATE.md and its insurance claim (ADR 0033), each tx its own block."""
    fake = FakeNode(GENESIS)
    signer = Signer(expires_at_ms=now_ms() + TX_LIFETIME_MS // 2)
    eco = open_account(signer, ECOLOGICAL_ACCOUNT_ID, "xiangshan-county", "ecological")
    case = [
        signer.tx(s.sender, s.tx_type, dict(s.body), s.cosigners) for s in xiangshan_case_steps()
    ]
    attested = attestation_txs(signer)  # before the losses: the verifier's nonces in order
    report = dict(reversal_example.REPORT_BODY) | {"verifier": VERIFIER}
    losses = (
        signer.tx(VERIFIER, "reversal.report", report),
        signer.tx("ningbo-ptc", "insurance.claim", dict(reversal_example.CLAIM_BODY)),
        signer.tx("ningbo-ptc", "insurance.claim_decide", dict(claim_decision_example.ACCEPT_BODY)),
        signer.tx("ningbo-ptc", "insurance.claim_decide", dict(claim_decision_example.PAY_BODY)),
    )
    for signed in (eco, *case, *attested, *losses):
        fake.pending.append(signed)
        fake.commit()
        result = fake.tx_status(signed.tx_id.hex())["result"]
        assert result["status"] == "accepted", (signed.tx.type, result)
    with serve(fake) as url:
        exit_code, out, _ = query("reversals", "--node", url)
        assert exit_code == EXIT_OK
        header, _rule, row = out.splitlines()[:3]
        assert header.split()[-3:] == ["lost_kg", "buffer_drawn_kg", "uncovered_kg"]
        assert row.split() == [
            reversal_example.REVERSAL_ID, reversal_example.BATCH_ID, "2023-09-14", "storm",
            "60000", "50000", "10000",
        ]  # fmt: skip
        claim_id = reversal_example.CLAIM_ID
        exit_code, out, _ = query("insurance-claims", claim_id, "--node", url, "--json")
        assert exit_code == EXIT_OK
        assert json.loads(out)["reversal_id"] == reversal_example.REVERSAL_ID
        assert json.loads(out)["policy_totals"]["paid_fen"] == 5_000_000
        exit_code, out, _ = query("insurance-claims", "--node", url)
        assert exit_code == EXIT_OK
        header, _rule, row = out.splitlines()[:3]
        assert header.split()[-3:] == ["status", "decided_fen", "paid_fen"]
        assert row.split() == [
            claim_id, "eco-account-comprehensive-2023", reversal_example.REVERSAL_ID,
            "6000000", "paid", "5000000", "5000000",
        ]  # fmt: skip
        # The policy itself, which had no query command (only `query state insurance/<id>`).
        policy_id = "eco-account-comprehensive-2023"
        exit_code, out, _ = query("insurance", policy_id, "--node", url, "--json")
        assert exit_code == EXIT_OK
        assert json.loads(out)["sum_insured_fen"] == 100_000_000
        exit_code, out, _ = query("insurance", "--node", url)
        assert exit_code == EXIT_OK
        header, _rule, row = out.splitlines()[:3]
        assert header.split()[0] == "policy_id" and row.split()[0] == policy_id


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("accounts", "../x"), "'../x' is not an id: an id is 1 to 64 lowercase"),
        (("accounts", ".."), "'..' is not an id"),
        (("external-id", "verra", ""), "'' is not an id: an id is never empty, '.' or '..'"),
        (("holdings", "."), "'.' is not an id"),
    ],
)
def test_a_path_like_id_is_refused_before_any_node_is_asked(
    argv: tuple[str, ...], said: str
) -> None:
    # Stop 55 (the hostile pass): `..` in an id was resolved by the URL and asked another
    # route, answered "NOT_FOUND (HTTP 404): Not Found". Port 9 (discard): nothing answers.
    code, _out, err = query(*argv, "--node", "http://127.0.0.1:9")
    assert code == EXIT_USAGE, err
    assert said in err
