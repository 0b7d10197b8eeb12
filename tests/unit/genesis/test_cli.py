"""`lantan keys new|show|check` through the entry point's main() in the test process
(tests/kit/lantan_cli.py: stdin a pipe, never a terminal); the refusal to prompt without a
passphrase source runs the real console script in a subprocess."""

import json
import stat
import subprocess
from pathlib import Path

import pytest

from client.cli import main as cli
from contracts.records import Role
from genesis.keystore import KEYSTORE_FILE, SIGNER_STATE_FILE
from protocol.note import parse_verifier_key
from tests.kit.lantan_cli import LANTAN_MODULE
from tests.kit.lantan_cli import run_lantan as lantan

PUBLIC_FIELDS = {"name", "roles", "public_key", "note_verifier_key"}


def lantan_process(*args: str) -> subprocess.CompletedProcess[str]:
    # stdin is a pipe, never a terminal, so no command can stop to prompt.
    return subprocess.run(
        [*LANTAN_MODULE, *args],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_clean_failure(completed: subprocess.CompletedProcess[str], message: str) -> None:
    assert completed.returncode == 1, completed
    assert "Traceback" not in completed.stderr
    assert message in completed.stderr
    assert completed.stdout == ""


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase"
    path.write_text("mangrove seagrass saltmarsh\n")
    path.chmod(0o600)
    return path


def keys_new(directory: Path, passphrase_file: Path, *extra: str) -> dict[str, object]:
    completed = lantan(
        "keys", "new", "--name", "ningbo-ptc", "--out", str(directory), "--roles",
        "validator,trading_centre", "--passphrase-file", str(passphrase_file),
        "--kdf", "interactive", "--json", *extra,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    public_part: dict[str, object] = json.loads(completed.stdout)
    return public_part


def test_keys_new_prints_the_public_part_and_writes_both_files(
    tmp_path: Path, passphrase_file: Path
) -> None:
    public_part = keys_new(tmp_path / "ningbo", passphrase_file)
    assert set(public_part) == PUBLIC_FIELDS
    assert public_part["name"] == "ningbo-ptc"
    assert public_part["roles"] == ["trading_centre", "validator"]
    verifier = parse_verifier_key(str(public_part["note_verifier_key"]))
    assert verifier.public_key.hex() == public_part["public_key"]
    for name in (KEYSTORE_FILE, SIGNER_STATE_FILE):
        assert stat.S_IMODE((tmp_path / "ningbo" / name).stat().st_mode) == 0o600
    keystore = json.loads((tmp_path / "ningbo" / KEYSTORE_FILE).read_bytes())
    assert "seed" not in keystore and keystore["kdf"]["name"] == "argon2id"


def test_keys_show_prints_the_same_public_part(tmp_path: Path, passphrase_file: Path) -> None:
    public_part = keys_new(tmp_path / "ningbo", passphrase_file)
    shown = lantan("keys", "show", str(tmp_path / "ningbo"), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == public_part
    human = lantan("keys", "show", str(tmp_path / "ningbo" / KEYSTORE_FILE))
    assert "encrypted, argon2id" in human.stdout


def test_keys_check_accepts_the_passphrase_and_refuses_a_wrong_one(
    tmp_path: Path, passphrase_file: Path
) -> None:
    keys_new(tmp_path / "ningbo", passphrase_file)
    right = lantan(
        "keys", "check", str(tmp_path / "ningbo"), "--passphrase-file", str(passphrase_file)
    )
    assert right.returncode == 0, right.stderr
    assert "unlocked key 'ningbo-ptc'" in right.stdout
    assert "last signed height 0" in right.stdout
    wrong_file = tmp_path / "wrong"
    wrong_file.write_text("mangrove seagrass saltmarsh?\n")
    wrong_file.chmod(0o600)
    wrong = lantan("keys", "check", str(tmp_path / "ningbo"), "--passphrase-file", str(wrong_file))
    assert_clean_failure(wrong, "wrong passphrase for keystore 'ningbo-ptc'")


def test_default_kdf_cost_is_moderate(tmp_path: Path, passphrase_file: Path) -> None:
    completed = lantan(
        "keys", "new", "--name", "xiamen-ptc", "--out", str(tmp_path / "xiamen"),
        "--passphrase-file", str(passphrase_file),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "memlimit 256 MiB" in completed.stdout
    kdf = json.loads((tmp_path / "xiamen" / KEYSTORE_FILE).read_bytes())["kdf"]
    assert (kdf["opslimit"], kdf["memlimit"]) == (3, 256 * 1024 * 1024)


def test_dev_plaintext_warns_loudly_and_marks_the_file(tmp_path: Path) -> None:
    completed = lantan(
        "keys", "new", "--name", "dev-node", "--out", str(tmp_path / "dev"), "--dev-plaintext"
    )
    assert completed.returncode == 0, completed.stderr
    assert "WARNING" in completed.stderr and "UNENCRYPTED" in completed.stderr
    assert json.loads((tmp_path / "dev" / KEYSTORE_FILE).read_bytes())["plaintext"] is True
    refused = lantan("keys", "check", str(tmp_path / "dev"))
    assert_clean_failure(refused, "plaintext development keystore")
    allowed = lantan("keys", "check", str(tmp_path / "dev"), "--dev-plaintext")
    assert allowed.returncode == 0, allowed.stderr
    assert "PLAINTEXT" in allowed.stdout


def test_a_chinese_name_prints_as_text_not_escapes(tmp_path: Path) -> None:
    """`keys new --name 测试渔业合作社` printed "\\u6d4b\\u8bd5…" (stop 57)."""
    name = "测试渔业合作社"
    for extra in ([], ["--json"]):
        out = tmp_path / f"coop{len(extra)}"
        completed = lantan(
            "keys", "new", "--name", name, "--out", str(out), "--dev-plaintext", *extra
        )
        assert completed.returncode == 0, completed.stderr
        assert f'"name": "{name}"' in completed.stdout.replace('":"', '": "')
        assert "\\u" not in completed.stdout


def test_without_a_passphrase_source_nothing_is_written(tmp_path: Path) -> None:
    completed = lantan_process("keys", "new", "--name", "court", "--out", str(tmp_path / "court"))
    assert_clean_failure(completed, "no passphrase: give --passphrase-file")
    assert not (tmp_path / "court").exists()


# The error paths below run main() in-process (faster than a subprocess): an exception
# escaping main() would fail the test just as a traceback would.


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    exit_code = cli.main(list(args))
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--name", "xiangshan court"], "no spaces and no '+'"),
        (["--name", "xiangshan+court"], "no spaces and no '+'"),
        (["--name", "court", "--roles", "judge"], "unknown role 'judge'"),
        (["--name", "court", "--passphrase-file", "/nonexistent/pass"], "cannot read passphrase"),
    ],
)
def test_bad_input_is_one_clear_line_and_no_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    exit_code, out, err = run_main(
        capsys, "keys", "new", "--out", str(tmp_path / "key"), *arguments
    )
    assert (exit_code, out) == (1, "")
    assert err.startswith("lantan keys new: error: ") and message in err
    assert not (tmp_path / "key" / KEYSTORE_FILE).exists()


def test_empty_passphrase_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    empty.chmod(0o600)
    exit_code, _, err = run_main(
        capsys, "keys", "new", "--name", "court", "--out", str(tmp_path / "key"),
        "--passphrase-file", str(empty),
    )  # fmt: skip
    assert exit_code == 1 and "passphrase is empty" in err
    assert not (tmp_path / "key" / KEYSTORE_FILE).exists()


def test_existing_keystore_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], passphrase_file: Path
) -> None:
    arguments = (
        "keys", "new", "--name", "ningbo-ptc", "--out", str(tmp_path / "ningbo"),
        "--passphrase-file", str(passphrase_file), "--kdf", "interactive", "--json",
    )  # fmt: skip
    assert run_main(capsys, *arguments)[0] == 0
    before = (tmp_path / "ningbo" / KEYSTORE_FILE).read_bytes()
    exit_code, _, err = run_main(capsys, *arguments)
    assert exit_code == 1 and "refusing to overwrite" in err
    assert (tmp_path / "ningbo" / KEYSTORE_FILE).read_bytes() == before


def test_a_second_rotate_says_what_to_do_with_the_pending_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = str(tmp_path / "ningbo")
    assert run_main(capsys, "keys", "new", "--name", "ningbo-ptc", "--out", key,
                    "--dev-plaintext")[0] == 0  # fmt: skip
    assert run_main(capsys, "keys", "rotate", key, "--dev-plaintext")[0] == 0
    pending = tmp_path / "ningbo" / "pending_keystore.json"
    before = pending.read_bytes()
    exit_code, _, err = run_main(capsys, "keys", "rotate", key, "--dev-plaintext")
    assert exit_code == 1 and "refusing to overwrite" in err
    # `rotate` has no directory to choose: it names what the operator can do instead.
    assert "choose another directory" not in err and "signer state" not in err
    assert f"lantan keys show {pending}" in err and "key.rotate" in err
    assert pending.read_bytes() == before


def test_show_of_a_damaged_or_missing_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / KEYSTORE_FILE).write_text('{"version": 1, "name": "x"}')
    exit_code, _, err = run_main(capsys, "keys", "show", str(tmp_path))
    assert exit_code == 1 and "damaged or was altered" in err
    exit_code, _, err = run_main(capsys, "keys", "show", str(tmp_path / "none"))
    assert exit_code == 1 and "no keystore at" in err


def test_plaintext_and_passphrase_file_are_exclusive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], passphrase_file: Path
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([
            "keys", "new", "--name", "court", "--out", str(tmp_path / "key"),
            "--passphrase-file", str(passphrase_file), "--dev-plaintext",
        ])  # fmt: skip
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_world_readable_passphrase_file_gets_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], passphrase_file: Path
) -> None:
    passphrase_file.chmod(0o644)
    exit_code, _, err = run_main(
        capsys, "keys", "new", "--name", "court", "--out", str(tmp_path / "key"),
        "--passphrase-file", str(passphrase_file), "--kdf", "interactive",
    )  # fmt: skip
    assert exit_code == 0
    assert "readable by others" in err


def test_keys_new_help_lists_every_role(capsys: pytest.CaptureFixture[str]) -> None:
    """An institution making its key has only the help at hand: the roles were an example
    (issuer,validator), the full list only in OPERATIONS.md and contracts/records.py."""
    with pytest.raises(SystemExit):
        cli.main(["keys", "new", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    listed = out[out.index("--roles R1,R2") :]
    for role in Role:
        assert role.value in listed, role
    assert "--out DIR the key directory" in out
