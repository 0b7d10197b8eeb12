"""Counting the TLS contexts a piece of code builds (each ~50 ms of CPU: certifi's bundle)."""

import ssl
from typing import Any

import pytest

from client import api


def count_tls_contexts(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    """The contexts ssl.create_default_context builds from now on (httpx's default builds
    through it too), starting from an empty process-wide cache (client/api.py tls_context),
    so that the shared context is built, and counted, once more."""
    built: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(create(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    api._tls_context.cache_clear()
    return built
