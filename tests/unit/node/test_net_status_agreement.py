"""`lantan net status` says whether the nodes hold one block at the lowest of their heights.

Before, it printed each node's height and head as it answered: on a chain that makes a block
a second, the demo's "The three nodes agree" showed heights 27, 26, 26 and two different
heads, and a real fork looked the same as a node one block ahead.
"""

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from client.cli.main import main
from tests.unit.node.status_server import STATUS, status_server, write_node

HEAD_26 = "26" * 32


def _answering(height: int, head: str, block_26: str) -> Any:
    def answer(path: str) -> tuple[int, dict[str, Any]]:
        if path == "/v1/blocks/26":
            return 200, {"certificate": {"block_hash": block_26, "height": 26}}
        return 200, {**STATUS, "height": height, "head_hash": head}

    return answer


@pytest.fixture
def network(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """Nodes a (height 27), b and c (height 26); a's block at 26 is the parameter."""
    a_block_26: str = request.param
    with ExitStack() as stack:
        for name, height, head in (
            ("a", 27, "27" * 32),
            ("b", 26, HEAD_26),
            ("c", 26, HEAD_26),
        ):
            port = stack.enter_context(status_server(_answering(height, head, a_block_26)))
            write_node(tmp_path, name, port)
        yield tmp_path


@pytest.mark.parametrize("network", [HEAD_26], indirect=True)
def test_a_node_one_block_ahead_still_agrees(
    network: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["net", "status", "--dir", str(network)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == (
        f"agree: all 3 answering nodes hold block {HEAD_26[:16]} at height 26"
    )
    assert main(["net", "status", "--dir", str(network), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["agreement"] == {
        "height": 26,
        "agree": True,
        "hashes": {"a": HEAD_26, "b": HEAD_26, "c": HEAD_26},
    }


@pytest.mark.parametrize("network", ["ff" * 32], indirect=True)
def test_another_block_at_the_same_height_is_shown_as_a_difference(
    network: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["net", "status", "--dir", str(network)])
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"DIFFER at height 26: a {'ff' * 8}, b {HEAD_26[:16]}, c {HEAD_26[:16]}"
    )
