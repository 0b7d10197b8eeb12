"""Optional TLS: three validators serving HTTPS with a private CA still reach consensus."""

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from node.net import net_create, net_down, start_process
from node.net_views import net_status, wait_ready
from tests.integration.network import free_base_port

pytestmark = pytest.mark.slow


def make_certificate(directory: Path) -> None:
    """A self-signed certificate for 127.0.0.1 that doubles as the peers' CA."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=lantan-test",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(directory / "key.pem"),
            "-out",
            str(directory / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_validators_commit_over_https(tmp_path: Path) -> None:
    net = tmp_path / "net"
    # Genesis, keys and node.toml only: the nodes' first start is already over HTTPS.
    names = net_create(net, validators=3, base_port=free_base_port(3))
    try:
        tls = tmp_path / "tls"
        tls.mkdir()
        make_certificate(tls)
        for name in names:
            config = net / name / "node.toml"
            text = config.read_text().replace("http://127.0.0.1", "https://127.0.0.1")
            config.write_text(
                text.split("\n[[peers]]")[0]
                + f'\ntls_cert_file = "{tls}/cert.pem"\ntls_key_file = "{tls}/key.pem"\n'
                + f'tls_ca_file = "{tls}/cert.pem"\n'
                + "\n[[peers]]"
                + "\n[[peers]]".join(text.split("\n[[peers]]")[1:])
            )
        for name in names:
            start_process(net, name)
        # Two heights decided by validators that reach each other over HTTPS only.
        wait_ready(net, names, minimum_height=2)
        views = net_status(net)
        assert all(view.url.startswith("https://") for view in views)
        with pytest.raises(httpx.HTTPError):  # plain HTTP is refused on a TLS listener
            httpx.get(views[0].url.replace("https://", "http://") + "/healthz", timeout=2.0)
    finally:
        net_down(net)
