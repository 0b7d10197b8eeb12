"""Fixtures of the audit tests: one real network (3 or 4 validators) per module, torn down after."""

from collections.abc import Iterator

import pytest

from tests.audit.network import audit_net
from tests.integration.network import LocalNet, free_base_port


def _network_of(tmp_path_factory: pytest.TempPathFactory, validators: int) -> Iterator[LocalNet]:
    directory = tmp_path_factory.mktemp(f"audit{validators}")
    with audit_net(directory, validators=validators, base_port=free_base_port(validators)) as net:
        yield net


@pytest.fixture(scope="module")
def net3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNet]:
    yield from _network_of(tmp_path_factory, 3)


@pytest.fixture(scope="module")
def net4(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNet]:
    yield from _network_of(tmp_path_factory, 4)
