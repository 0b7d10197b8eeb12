"""The web routes' security headers (page content: tests/unit/node/test_web_pages.py)."""

import pytest

from tests.unit.node.api.kit import (
    Api,
)


@pytest.mark.parametrize(
    "path", ["/", "/blocks", "/projects", "/projects/no-such-project", "/checker"]
)
def test_every_page_has_a_strict_content_security_policy(api: Api, path: str) -> None:
    # Only /checker had one before.
    policy = api.client.get(path).headers.get("content-security-policy", "")
    assert "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    offline = api.client.get("/checker/offline.html").headers["content-security-policy"]
    assert "default-src 'none'" in offline and "connect-src" not in offline
