"""Fixtures of the audit tests: one real 3-validator network per module, torn down after."""

from collections.abc import Iterator

import pytest

from tests.audit.network import audit_net
from tests.integration.network import LocalNet, free_base_port


@pytest.fixture(scope="module")
def net3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNet]:
    with audit_net(
        tmp_path_factory.mktemp("audit3"), validators=3, base_port=free_base_port(3)
    ) as net:
        yield net


@pytest.fixture(scope="module")
def net4(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNet]:
    with audit_net(
        tmp_path_factory.mktemp("audit4"), validators=4, base_port=free_base_port(4)
    ) as net:
        yield net
