"""`lantan audit` on an honest network of four validators (q = 3) passes."""

import pytest

from tests.audit.network import errors, run_audit
from tests.audit.test_audit_network import submit_attests
from tests.integration.network import LocalNet
from tests.integration.txs import NetKeys

pytestmark = pytest.mark.slow


def test_an_honest_network_of_four_passes(net4: LocalNet) -> None:
    submit_attests(net4, NetKeys(net4.directory), "audit4", 10)
    code, report = run_audit(net4, "--replay")
    assert code == 0 and errors(report) == [], report["findings"]
    assert report["tx_count"] >= 10 and len(report["nodes"]) == 4
    code, report = run_audit(net4)
    assert code == 0 and errors(report) == [], report["findings"]
