"""lantan bench's result: the ratio to the Ed25519 bound and the busy-box note beside it."""

import json

import pytest

from node.bench import BUSY_LOAD_AVERAGE, BenchResult, print_result


def result(load_average: float) -> BenchResult:
    return BenchResult(
        txs=5000,
        batch_committed_tx_per_s=2000.0,
        batch_seconds=2.5,
        single_latency_ms_p50=30.0,
        single_latency_ms_p99=40.0,
        single_samples=60,
        ed25519_verify_per_s=24000.0,
        cores=2,
        validators=3,
        load_average_1m=load_average,
    )


def test_the_ratio_is_to_one_verify_per_tx_per_validator() -> None:
    data = result(0.1).to_json()
    assert data["bound_tx_per_s"] == 16000  # 24,000 verify/s x 2 cores / 3 validators
    assert data["ratio_to_bound"] == 0.125
    assert data["load_average_1m_at_start"] == 0.1


@pytest.mark.parametrize("load_average", [BUSY_LOAD_AVERAGE, 3.5])
def test_a_busy_box_is_named_beside_the_ratio(
    load_average: float, capsys: pytest.CaptureFixture[str]
) -> None:
    print_result(result(load_average), as_json=False)
    assert "reads high" in capsys.readouterr().out


def test_a_quiet_box_prints_no_note_and_json_carries_the_load(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_result(result(0.2), as_json=False)
    assert "reads high" not in capsys.readouterr().out
    print_result(result(2.0), as_json=True)
    assert json.loads(capsys.readouterr().out)["load_average_1m_at_start"] == 2.0
