"""deploy/systemd: the unit files parse cleanly (`systemd-analyze verify`) and sandbox.

verify reports unknown or misspelt settings only as warnings on stderr, so any output at
all fails the test. The units name /opt/lantan/venv/bin/lantan, the bundle's install path
(docs/OPERATIONS.md); here it is pointed at this checkout's `lantan` so verify can check
that the command exists.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED_LANTAN = "/opt/lantan/venv/bin/lantan"
SANDBOX = (
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "CapabilityBoundingSet=",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallFilter=@system-service",
)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_units_verify_without_a_warning(tmp_path: Path) -> None:
    lantan = str(Path(sys.executable).parent / "lantan")
    for unit in UNITS.iterdir():
        text = unit.read_text("utf-8")
        assert INSTALLED_LANTAN in text or unit.suffix == ".timer", unit.name
        (tmp_path / unit.name).write_text(text.replace(INSTALLED_LANTAN, lantan), "utf-8")
    instances = [
        str(tmp_path / unit.name.replace("@.", "@demo.")) for unit in sorted(UNITS.iterdir())
    ]
    completed = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *instances],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout + completed.stderr == ""


@pytest.mark.parametrize("service", sorted(UNITS.glob("*.service")), ids=lambda p: p.name)
def test_every_service_is_sandboxed(service: Path) -> None:
    lines = set(service.read_text("utf-8").splitlines())
    assert [option for option in SANDBOX if option not in lines] == []
