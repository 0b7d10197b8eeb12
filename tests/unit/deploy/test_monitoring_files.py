"""deploy/monitoring/: Prometheus's own tool checks the alert rules (and their unit tests in
alerts_test.yml), the scrape config, and that every dashboard expression is valid PromQL.
Skips when promtool (Debian package prometheus, from scripts/system-deps) is missing."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.monitoring_files import (
    ALERTS,
    ALERTS_TEST,
    DASHBOARD,
    SCRAPE_CONFIG,
    alert_expressions,
    dashboard_expressions,
    metric_names,
)

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (scripts/system-deps installs prometheus)"
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], capture_output=True, text=True, check=False, timeout=120
    )


@needs_promtool
def test_promtool_checks_the_alert_rules() -> None:
    checked = promtool("check", "rules", str(ALERTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


@needs_promtool
def test_the_alert_rules_pass_their_unit_tests() -> None:
    # Among them: a validator left out of certificates but precommitting after the quorum
    # (q < n) does not fire LantanValidatorNotSigning; one whose precommits never come does.
    tested = promtool("test", "rules", str(ALERTS_TEST))
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_promtool_checks_the_scrape_config() -> None:
    checked = promtool("check", "config", str(SCRAPE_CONFIG))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@needs_promtool
def test_every_dashboard_expression_is_valid_promql(tmp_path: Path) -> None:
    # promtool parses expressions of recording rules: wrap each one in a rule.
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:expr{index}", "expr": expr}
                    for index, expr in enumerate(dashboard_expressions())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(json.dumps(rules))  # JSON is YAML
    checked = promtool("check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dashboard_shows_what_the_issue_asks_for() -> None:
    names = set().union(*(metric_names(e) for e in dashboard_expressions()))
    for wanted in (
        "lantan_height",
        "lantan_blocks_committed_total",
        "lantan_tx_commit_latency_seconds_bucket",
        "lantan_validator_precommits_total",
        "lantan_mempool_txs",
        "process_resident_memory_bytes",
        "process_open_fds",
    ):
        assert wanted in names, wanted
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "lantan-validators"


def test_alert_expressions_are_read_whole() -> None:
    expressions = alert_expressions()
    assert len(expressions) == ALERTS.read_text().count("- alert:")
    not_signing = next(e for e in expressions if 'outcome="missing"' in e)
    assert "lantan_validator_heights_total" in metric_names(not_signing)
    assert "missing" not in metric_names(not_signing)
