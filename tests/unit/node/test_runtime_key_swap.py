"""NodeRuntime's key swap (ADR 0022): the replica signs each height with the key its set holds."""

from pathlib import Path

from node.peer_envelope import PeerKind, open_envelope
from node.validator_keys import ValidatorKeys
from protocol.note import verifier_key_string
from protocol.signing import SigningKey
from protocol.validators import Validator, ValidatorSet
from tests.unit.node.chain_kit import CHAIN_ID, KEYS
from tests.unit.node.runtime_kit import FakeClock, FakeTransport, duplicate_vote, make_runtime

NINGBO = KEYS["ningbo-ptc"]
NEW_NINGBO = SigningKey(bytes([7]) * 32)


def with_ningbo_key(validators: ValidatorSet, key: SigningKey) -> ValidatorSet:
    members = [v for v in validators.validators if v.name != "ningbo-ptc"]
    entry = Validator(
        name="ningbo-ptc",
        public_key=key.public_key,
        note_verifier_key=verifier_key_string("ningbo-ptc", key.public_key),
    )
    return ValidatorSet.create([*members, entry], validators.quorum)


class KeyRecorder:
    def __init__(self) -> None:
        self.used: list[bytes] = []

    def use_key(self, key: SigningKey) -> None:
        self.used.append(key.public_key)


def test_the_signer_follows_the_set_and_keeps_its_signer_state(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, NINGBO, FakeClock())
    runtime.signing.keys = ValidatorKeys((NINGBO, NEW_NINGBO))
    recorder = KeyRecorder()
    runtime.transport.use_key = recorder.use_key  # type: ignore[method-assign]
    runtime._restart_replica_sync(None, 0)
    assert runtime.replica is not None
    signer_before = runtime.replica.signer
    genesis_set = runtime.ledger.validators_for_next_height()
    assert runtime.key == NINGBO and recorder.used == []

    runtime._adopt_key_for(with_ningbo_key(genesis_set, NEW_NINGBO))
    assert runtime.key == NEW_NINGBO
    assert runtime.config.signer.public_key == NEW_NINGBO.public_key
    assert runtime.replica.config.signer.public_key == NEW_NINGBO.public_key
    assert runtime.replica.signer == signer_before  # one signer state across the swap
    assert recorder.used == [NEW_NINGBO.public_key]

    runtime._adopt_key_for(with_ningbo_key(genesis_set, NEW_NINGBO))  # no second swap
    assert recorder.used == [NEW_NINGBO.public_key]


def test_evidence_pooled_after_a_swap_is_sealed_with_the_new_key(tmp_path: Path) -> None:
    # Before: the evidence pool sealed with the key the runtime started with, so once the
    # old key left the set the peers dropped this node's evidence (unknown key).
    runtime = make_runtime(tmp_path, NINGBO, FakeClock())
    runtime.signing.keys = ValidatorKeys((NINGBO, NEW_NINGBO))
    genesis_set = runtime.ledger.validators_for_next_height()
    runtime._adopt_key_for(with_ningbo_key(genesis_set, NEW_NINGBO))
    assert runtime.evidence_pool.pool(duplicate_vote())
    transport = runtime.transport
    assert isinstance(transport, FakeTransport)
    sealed = transport.router.sealed[-1]
    envelope = open_envelope(
        sealed, CHAIN_ID, PeerKind.EVIDENCE, frozenset({NEW_NINGBO.public_key})
    )
    assert envelope.sender == NEW_NINGBO.public_key
