"""The multi-node tiers' xdist grouping: tests that share a network share a worker."""

from pathlib import Path

from tests.kit.network_groups import network_group, schedule_order

ROOT = Path(__file__).resolve().parents[2]
ADVERSARY = "tests/adversary/test_byzantine_validator.py"


def test_modules_naming_one_session_network_are_one_group() -> None:
    observability = network_group(ROOT, "tests/integration/test_observability.py::test_a")
    guide = network_group(ROOT, "tests/integration/test_operator_guide.py::test_b[x]")
    assert observability == guide == "case"


def test_a_module_with_its_own_network_is_its_own_group() -> None:
    nodeid = "tests/audit/test_audit_network.py::test_a_bad_certificate_is_named[duplicated-signer]"
    assert network_group(ROOT, nodeid) == "tests/audit/test_audit_network.py"
    assert network_group(ROOT, "tests/integration/test_tls.py::test_c") != network_group(
        ROOT, "tests/integration/test_locked_payload.py::test_d"
    )


def test_the_adversary_networks_split_by_their_first_parameter() -> None:
    n3 = network_group(ROOT, f"{ADVERSARY}::test_bounded_flood[n3]")
    assert n3 == network_group(ROOT, f"{ADVERSARY}::test_stale_evidence[n3-9]")
    assert n3 != network_group(ROOT, f"{ADVERSARY}::test_bounded_flood[n4]")


def test_run_first_groups_lead_then_larger_groups_first_seen_first_in_file_order(
    tmp_path: Path,
) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_small.py").write_text("RUN_FIRST = True\n")
    (tests / "test_big.py").write_text("")
    (tests / "test_mid.py").write_text("")
    (tests / "test_shared_a.py").write_text('SHARED_NET = "s"\n')
    (tests / "test_shared_b.py").write_text('SHARED_NET = "s"\n')
    ids = [
        "tests/test_big.py::a",
        "tests/test_shared_a.py::a",
        "tests/test_big.py::b",
        "tests/test_mid.py::a",
        "tests/test_small.py::a",
        "tests/test_shared_b.py::a",
        "tests/test_shared_b.py::b",
        "tests/test_big.py::c",
        "tests/test_mid.py::b",
    ]
    assert schedule_order(tmp_path, ids) == [
        "tests/test_small.py::a",
        "tests/test_big.py::a",
        "tests/test_big.py::b",
        "tests/test_big.py::c",
        "tests/test_shared_a.py::a",
        "tests/test_shared_b.py::a",
        "tests/test_shared_b.py::b",
        "tests/test_mid.py::a",
        "tests/test_mid.py::b",
    ]
