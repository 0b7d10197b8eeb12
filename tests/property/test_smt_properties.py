"""The state tree agrees with the brute-force reference (tests/property/smt_reference.py).

Hypothesis drives short histories over a small key space, so updates and deletes hit
existing keys; seeded loops drive larger ones (up to 1,000 keys over several versions).
"""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.smt import MemorySmtStore, SparseMerkleTree
from protocol.smt_proof import EMPTY_HASH
from tests.property.smt_checks import check_proofs
from tests.property.smt_reference import reference_root

# Holds three of the unit tier's longest tests (~30 s together): started first, not last, so that
# none runs alone at the tier's end while the other workers idle (tests/kit/network_groups.py
# schedule_order).
RUN_FIRST = True

KEY_SPACE = [f"account/{index}".encode() for index in range(48)]

writes_strategy = st.dictionaries(
    st.sampled_from(KEY_SPACE), st.none() | st.binary(min_size=0, max_size=3), max_size=24
)


def apply_writes(state: dict[bytes, bytes], writes: dict[bytes, bytes | None]) -> None:
    for key, value in writes.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value


@settings(max_examples=150, deadline=None)
@given(st.lists(writes_strategy, min_size=1, max_size=6))
def test_history_matches_reference(history: list[dict[bytes, bytes | None]]) -> None:
    tree = SparseMerkleTree(MemorySmtStore())
    state: dict[bytes, bytes] = {}
    snapshots = []
    for version, writes in enumerate(history):
        apply_writes(state, writes)
        assert tree.update(version, writes) == reference_root(state)
        snapshots.append(dict(state))
        check_proofs(tree, state, KEY_SPACE[::5])
    # Every earlier version is still readable after later ones changed the tree.
    for version, snapshot in enumerate(snapshots):
        assert tree.root(version) == reference_root(snapshot)
        for key in KEY_SPACE[::7]:
            assert tree.get(key, version) == snapshot.get(key)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.binary(max_size=8), st.binary(max_size=4), max_size=40), st.randoms())
def test_root_is_independent_of_write_order_and_batching(
    state: dict[bytes, bytes], rng: random.Random
) -> None:
    items = list(state.items())
    rng.shuffle(items)
    shuffled = SparseMerkleTree(MemorySmtStore())
    assert shuffled.update(0, dict(items)) == reference_root(state)
    batched = SparseMerkleTree(MemorySmtStore())
    cuts = sorted(rng.sample(range(len(items) + 1), k=min(3, len(items) + 1)))
    for version, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(items)], strict=True)):
        batched.update(version, dict(items[start:end]))
    assert batched.root() == shuffled.root()
    # Deleting everything, in any order, empties the tree.
    rng.shuffle(items)
    assert batched.update(len(cuts) + 1, dict.fromkeys(key for key, _ in items)) == EMPTY_HASH


def random_writes(
    rng: random.Random, state: dict[bytes, bytes], key_space: int, count: int
) -> dict[bytes, bytes | None]:
    """About half updates or deletes of present keys, half inserts of (mostly) new ones."""
    writes: dict[bytes, bytes | None] = {}
    present = sorted(state)
    for _ in range(count):
        if present and rng.randrange(2):
            key = rng.choice(present)
            writes[key] = None if rng.randrange(3) == 0 else rng.randbytes(rng.randrange(1, 9))
        else:
            writes[f"k/{rng.randrange(key_space)}".encode()] = rng.randbytes(4)
    return writes


def test_seeded_histories_of_up_to_1000_keys_match_reference() -> None:
    for seed in range(6):
        rng = random.Random(seed)
        tree = SparseMerkleTree(MemorySmtStore())
        state: dict[bytes, bytes] = {}
        roots = []
        for version in range(8):
            # key_space bounds the tree at 1,000 keys; the reference is quadratic-ish.
            writes = random_writes(rng, state, key_space=1000, count=rng.randrange(1, 700))
            apply_writes(state, writes)
            roots.append(reference_root(state))
            assert tree.update(version, writes) == roots[-1], f"seed {seed} version {version}"
        check_proofs(tree, state, [f"k/{rng.randrange(1100)}".encode() for _ in range(40)])
        assert [tree.root(version) for version in range(8)] == roots
        assert tree.update(8, dict.fromkeys(state)) == EMPTY_HASH


def test_seeded_full_1000_key_tree_then_small_batches() -> None:
    rng = random.Random(2024)
    tree = SparseMerkleTree(MemorySmtStore())
    state = {f"k/{index}".encode(): rng.randbytes(6) for index in range(1000)}
    assert tree.update(0, state) == reference_root(state)
    for version in range(1, 6):
        writes = random_writes(rng, state, key_space=1000, count=rng.randrange(1, 30))
        apply_writes(state, writes)
        assert tree.update(version, writes) == reference_root(state)
    check_proofs(tree, state, [f"k/{index}".encode() for index in range(0, 1100, 23)])
