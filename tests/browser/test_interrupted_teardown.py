"""tests/browser/interrupts.py: a SIGTERMed pytest still tears its fixtures down.

No browser here: a pytest subprocess runs one test under a session fixture shaped like
`network` (sigterm_interrupts around a try/finally), is sent SIGTERM while the test runs,
and must run the fixture's teardown before it exits (as Ctrl-C already did).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INNER = """
import time
from pathlib import Path

import pytest

from tests.browser.interrupts import sigterm_interrupts

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def network():
    with sigterm_interrupts():
        try:
            yield
        finally:
            time.sleep(0.5)  # a second SIGTERM lands here: the teardown goes on
            (HERE / "torn-down").write_text("net_down ran")


def test_runs_until_killed(network):
    (HERE / "running").write_text("")
    time.sleep(60)
"""


def test_sigterm_runs_the_network_teardown(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    inner = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "running").exists():
            assert inner.poll() is None and time.monotonic() < deadline, "the test never ran"
            time.sleep(0.05)
        inner.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        inner.send_signal(signal.SIGTERM)  # a runner may repeat it: ignored while tearing down
        output = inner.communicate(timeout=30)[0].decode()
    finally:
        inner.kill()
        inner.wait()
    assert (tmp_path / "torn-down").read_text() == "net_down ran", output
    assert inner.returncode == 2 and "KeyboardInterrupt" in output, output  # interrupted
