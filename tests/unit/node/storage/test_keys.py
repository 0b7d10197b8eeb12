"""node/storage/keys.py: fixed-width big-endian keys, so byte order is numeric order."""

import pytest

from node.storage import keys


def test_integer_keys_sort_numerically() -> None:
    heights = [0, 1, 2, 9, 10, 255, 256, 65_535, 65_536, 2**40]
    assert sorted(keys.block_key(h) for h in heights) == [keys.block_key(h) for h in heights]
    pairs = [(0, 0), (0, 1), (0, 300), (1, 0), (1, 2), (256, 1)]
    assert sorted(keys.result_key(h, i) for h, i in pairs) == [
        keys.result_key(h, i) for h, i in pairs
    ]


def test_result_keys_of_one_block_share_its_prefix_only() -> None:
    assert keys.result_key(5, 7).startswith(keys.results_prefix(5))
    assert not keys.result_key(50, 7).startswith(keys.results_prefix(5))


def test_integers_round_trip_and_out_of_range_is_refused() -> None:
    for value in (0, 1, 2**63, 2**64 - 1):
        assert keys.decode_int(keys.encode_int(value)) == value
    for value in (-1, 2**64):
        with pytest.raises(ValueError, match="does not fit"):
            keys.encode_int(value)


def test_tx_location_round_trips() -> None:
    assert keys.decode_tx_location(keys.encode_tx_location(12, 3)) == (12, 3)


@pytest.mark.parametrize("size", [0, 31, 33])
def test_hash_keys_refuse_other_lengths(size: int) -> None:
    with pytest.raises(ValueError, match="32-byte hash"):
        keys.tx_key(bytes(size))


def test_prefixes_are_distinct_and_none_is_a_prefix_of_another() -> None:
    prefixes = [
        keys.LOG_NODE_PREFIX,
        keys.SMT_NODE_PREFIX,
        keys.SMT_ROOT_PREFIX,
        keys.SMT_VALUE_PREFIX,
        keys.STATE_PREFIX,
        keys.BLOCK_PREFIX,
        keys.CERTIFICATE_PREFIX,
        keys.RESULT_PREFIX,
        keys.TX_PREFIX,
        b"meta/",
    ]
    for first in prefixes:
        for second in prefixes:
            assert first == second or not second.startswith(first)
