"""Building the Go interop programs (tests/interop/go*/) offline, and skipping their tests
with the reason where Go or Debian's golang.org/x/mod (scripts/system-deps) is missing:
this machine reaches Debian's archive but not the Go module proxy."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

GO = shutil.which("go")
X_MOD = Path("/usr/share/gocode/src/golang.org/x/mod")


def go_marks(package: str) -> list[pytest.MarkDecorator]:
    """The skip marks of a test module using x/mod's `package` (e.g. "sumdb/tlog")."""
    return [
        pytest.mark.skipif(GO is None, reason="go is not installed (scripts/system-deps)"),
        pytest.mark.skipif(
            not (X_MOD / package).is_dir(),
            reason="golang-golang-x-mod-dev is not installed (scripts/system-deps)",
        ),
    ]


def build_go(source: Path, into: Path) -> Path:
    """Build the Go program in `source` offline into directory `into`; return its path."""
    assert GO is not None
    binary = into / source.name
    environment = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod"}
    subprocess.run(
        [GO, "build", "-o", str(binary), "."],
        cwd=source,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return binary
