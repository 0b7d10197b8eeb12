"""client/tx/signing_keys.py: which passphrase unlocks a key, and the errors when none does."""

from pathlib import Path

import pytest

from client.tx.signing_keys import unlock_key
from genesis.errors import PassphraseRejectedError, PlaintextKeystoreError, WrongPassphraseError
from genesis.keystore import create_key_directory, read_keystore, read_passphrase_file
from tests.unit.client.conftest import TEST_LIMITS, Network


def test_local_network_keys_unlock_with_the_passphrase_file_beside_them(network: Network) -> None:
    unlocked = unlock_key(network.key("ningbo-ptc"))
    identity = read_keystore(network.key("ningbo-ptc")).identity
    assert unlocked.name == "ningbo-ptc"
    assert unlocked.key.public_key == identity.public_key
    keystore_file = network.key("ningbo-ptc") / "keystore.json"
    assert unlock_key(keystore_file).public_key_hex == identity.public_key.hex()


def test_an_explicit_passphrase_file_wins(network: Network, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_bytes(b"not the passphrase\n")
    with pytest.raises(WrongPassphraseError):
        unlock_key(network.key("ningbo-ptc"), passphrase_file=wrong)


def test_no_passphrase_anywhere_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_key_directory(tmp_path / "k", "lonely", (), b"secret pass", limits=TEST_LIMITS)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(PassphraseRejectedError, match="--passphrase-file"):
        unlock_key(tmp_path / "k")


def test_plaintext_keys_need_dev_plaintext(tmp_path: Path) -> None:
    create_key_directory(tmp_path / "dev", "dev-key", (), None)
    with pytest.raises(PlaintextKeystoreError):
        unlock_key(tmp_path / "dev")
    assert unlock_key(tmp_path / "dev", allow_plaintext=True).name == "dev-key"


@pytest.mark.parametrize(
    ("content", "passphrase"),
    [(b"pass\n", b"pass"), (b"pass\r\n", b"pass"), (b"pass", b"pass"), (b"pass\n\n", b"pass\n")],
)
def test_passphrase_file_loses_one_trailing_newline(
    tmp_path: Path, content: bytes, passphrase: bytes
) -> None:
    path = tmp_path / "p"
    path.write_bytes(content)
    assert read_passphrase_file(path) == passphrase


def test_a_passphrase_file_others_may_read_is_warned_about(
    network: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `lantan keys` warns (genesis/commands.py): the tx commands read the same files."""
    exposed = tmp_path / "passphrase"
    exposed.write_bytes(read_passphrase_file(network.key("ningbo-ptc") / "passphrase"))
    exposed.chmod(0o644)
    assert unlock_key(network.key("ningbo-ptc"), passphrase_file=exposed).name == "ningbo-ptc"
    assert f"passphrase file {exposed} is readable by others" in capsys.readouterr().err
    exposed.chmod(0o600)
    unlock_key(network.key("ningbo-ptc"), passphrase_file=exposed)
    assert "readable by others" not in capsys.readouterr().err
