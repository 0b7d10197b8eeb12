"""`lantan tx`: the Xiangshan case through the CLI against a fake node over real HTTP.

The fake node admits and executes with the real contracts (fake_node.py), so accepted,
rejected and admission answers are the ones a validator gives.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from client.cli.support import EXIT_FAILURE, EXIT_OK, EXIT_PENDING, EXIT_USAGE
from client.tx.flow import EXPIRES_IN_MS_MAX, TIMEOUT_MS_MAX
from genesis.example.parties import ECO_ACCOUNT
from genesis.example.xiangshan_case import xiangshan_case_steps
from genesis.keystore import create_pending_key, read_keystore
from genesis.layout import PASSPHRASE_FILE, PENDING_KEYSTORE_FILE
from genesis.network import ECOLOGICAL_ACCOUNT_ID
from protocol.encoding import JsonObject
from tests.kit.lantan_cli import run_lantan
from tests.unit.client.conftest import TEST_LIMITS, TOWNSHIP, Network
from tests.unit.client.fake_node import FakeNode, serve


def public_key(network: Network, name: str) -> str:
    return read_keystore(network.key(name)).identity.public_key.hex()


def case_body(network: Network, body: JsonObject) -> JsonObject:
    """A step body of the vectors, with this network's account id and township key."""
    text = json.dumps(body, ensure_ascii=False).replace(ECO_ACCOUNT, ECOLOGICAL_ACCOUNT_ID)
    adapted: JsonObject = json.loads(text)
    if "holder_key" in adapted:
        adapted["holder_key"] = public_key(network, TOWNSHIP)
    return adapted


def open_township_account(
    network: Network, url: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    return run_lantan(
        "tx", "account.open", "--key", str(network.key("ningbo-ptc")), "--node", url,
        "--set", f"account_id={TOWNSHIP}",
        "--set", f"holder_key={public_key(network, TOWNSHIP)}",
        "--set", "display_name=象山县黄避岙乡人民政府",
        "--set", "kind=government",
        *extra,
    )  # fmt: skip


def test_one_shot_tx_commits_and_prints_the_result(network: Network, node_url: str) -> None:
    opened = open_township_account(network, node_url)
    assert opened.returncode == EXIT_OK
    out = opened.stdout
    assert "account.open nonce 1" in out
    assert "committed at height 1, index 0: ACCEPTED" in out


def test_json_output_and_business_rejection_exit_1(network: Network, node_url: str) -> None:
    assert open_township_account(network, node_url, "--json").returncode == EXIT_OK
    captured = open_township_account(network, node_url, "--json")
    assert captured.returncode == EXIT_FAILURE
    document = json.loads(captured.stdout)
    assert document["nonce"] == 2, "the next nonce came from the node"
    assert document["status"] == "committed"
    assert document["result"] == {"status": "rejected", "reason": "already_exists"}
    assert document["submitted_to"] == [node_url]
    # What exists, named from the body: the result holds the reason code only (h57 F13).
    assert (
        f"REJECTED (already_exists: account_id {TOWNSHIP} is on the chain already)"
        in captured.stderr
    )


def test_the_whole_xiangshan_case(
    network: Network, fake: FakeNode, node_url: str, tmp_path: Path
) -> None:
    for number, step in enumerate(xiangshan_case_steps()):
        body_file = tmp_path / f"step{number}.json"
        body_file.write_text(json.dumps(case_body(network, step.body), ensure_ascii=False))
        sender = str(network.key(step.sender))
        if step.tx_type == "credits.transfer":
            # The brokered trade: the township builds and signs, Ningbo PTC co-signs from
            # its own keystore, then anyone submits the file.
            tx_file = tmp_path / "transfer.json"
            assert run_lantan("tx", "build", step.tx_type, "--sender-key", sender,
                              "--body", f"@{body_file}", "--node", node_url,
                              "--out", str(tx_file)).returncode == EXIT_OK  # fmt: skip
            for cosigner in step.cosigners:
                signed = run_lantan("tx", "sign", str(tx_file), "--key", str(network.key(cosigner)))
                assert signed.returncode == EXIT_OK
            done = run_lantan("tx", "submit", str(tx_file), "--node", node_url)
        else:
            cosigners = [arg for name in step.cosigners
                         for arg in ("--cosign", str(network.key(name)))]  # fmt: skip
            done = run_lantan("tx", step.tx_type, "--key", sender, "--body", f"@{body_file}",
                              "--genesis", str(network.genesis_path), "--node", node_url,
                              *cosigners)  # fmt: skip
        assert done.returncode == EXIT_OK, (step.label, done)
    accepted = [s for s in fake.statuses.values() if s["result"]["status"] == "accepted"]
    assert len(accepted) == len(xiangshan_case_steps())


def test_local_validation_error_sends_nothing(
    network: Network, fake: FakeNode, node_url: str
) -> None:
    done = run_lantan("tx", "credits.freeze", "--key", str(network.key("xiangshan-court")),
                      "--node", node_url, "--set", "account_id=a", "--set", "batch_id=b",
                      "--set", "quantity_kg=0", "--set", "reason=r")  # fmt: skip
    assert done.returncode == EXIT_FAILURE
    assert "zero_amount" in done.stderr
    assert fake.requests == []


def test_a_tx_without_any_body_says_so_and_where_the_fields_are(
    network: Network, fake: FakeNode, node_url: str
) -> None:
    done = run_lantan("tx", "credits.freeze", "--key", str(network.key("xiangshan-court")),
                      "--node", node_url)  # fmt: skip
    assert done.returncode == EXIT_FAILURE
    err = done.stderr
    assert "missing field 'account_id' and 3 more" in err, err
    assert "(no --body or --set given: `lantan tx credits.freeze --help` lists the fields" in err
    assert fake.requests == []


def test_admission_refusal_shows_the_nodes_code(
    network: Network, fake: FakeNode, node_url: str
) -> None:
    done = open_township_account(network, node_url, "--nonce", "7")
    assert done.returncode == EXIT_FAILURE
    err = done.stderr
    assert "wrong_nonce (HTTP 400)" in err
    assert node_url in err


def test_unreachable_node_is_a_clear_error(network: Network) -> None:
    fake = FakeNode(network.genesis)
    with serve(fake) as url:
        pass  # the server is gone: its port now refuses connections
    done = open_township_account(network, url)
    assert done.returncode == EXIT_FAILURE
    assert f"{url}: cannot reach it" in done.stderr


@pytest.mark.parametrize("genesis", [False, True], ids=["chain id asked", "chain id from genesis"])
def test_every_node_down_names_every_node_tried(network: Network, genesis: bool) -> None:
    """Only the last URL was named; a user took it for the one node tried. Each node is
    named, with why it failed (here the same reason, said once), and the exit code is 1."""
    urls = []
    for _ in range(2):
        with serve(FakeNode(network.genesis)) as url:
            urls.append(url)  # the server is gone: its port now refuses connections
    extra = ("--genesis", str(network.genesis_path)) if genesis else ()
    done = open_township_account(network, ",".join(urls), *extra)
    assert done.returncode == EXIT_FAILURE
    err = done.stderr
    assert "no node answered: cannot reach it: " in err, err
    assert f"(all 2 nodes: {urls[0]}, {urls[1]})" in err, err


def test_one_dead_node_of_two_is_a_warning(network: Network, node_url: str) -> None:
    with serve(FakeNode(network.genesis)) as dead_url:
        pass
    captured = open_township_account(network, f"{node_url},{dead_url}")
    assert captured.returncode == EXIT_OK
    assert "submitted to 1 of 2 nodes" in captured.stdout
    assert f"warning: {dead_url} did not take the tx" in captured.stderr


def test_bad_node_url_is_a_usage_error(network: Network) -> None:
    done = open_township_account(network, "localhost:7101")
    assert done.returncode == EXIT_USAGE
    assert "expected http://HOST:PORT" in done.stderr


def test_no_wait_and_pending_timeout(network: Network) -> None:
    fake = FakeNode(network.genesis, auto_commit=False)
    with serve(fake) as url:
        unwaited = open_township_account(network, url, "--no-wait")
        assert unwaited.returncode == EXIT_OK
        assert "--no-wait" in unwaited.stdout
        pending = open_township_account(network, url, "--timeout-ms", "150", "--nonce", "2")
    assert pending.returncode == EXIT_PENDING
    assert "still pending" in pending.stdout
    assert len(fake.pending) == 2, "the second tx took the pending nonce + 1"


def built_unsigned(network: Network, node_url: str, directory: Path) -> Path:
    """directory/tx.json: an account.open Ningbo PTC sends, built by `tx build`, unsigned."""
    tx_file = directory / "tx.json"
    sender = public_key(network, "ningbo-ptc")
    assert run_lantan("tx", "build", "account.open", "--sender", sender, "--node", node_url,
                      "--set", f"account_id={TOWNSHIP}", "--set", "holder_key=" + "ab" * 32,
                      "--set", "display_name=x", "--set", "kind=government",
                      "--out", str(tx_file)).returncode == EXIT_OK  # fmt: skip
    return tx_file


def test_multi_party_file_round_trip(network: Network, node_url: str, tmp_path: Path) -> None:
    tx_file = built_unsigned(network, node_url, tmp_path)
    # Submitting before the sender signs is refused locally.
    unsigned = run_lantan("tx", "submit", str(tx_file), "--node", node_url)
    assert unsigned.returncode == EXIT_FAILURE
    assert "missing_signature" in unsigned.stderr
    for name in ("xiangshan-court", "ningbo-ptc", "xiangshan-court"):
        signed = run_lantan("tx", "sign", str(tx_file), "--key", str(network.key(name)))
        assert signed.returncode == EXIT_OK
    shown_done = run_lantan("tx", "show", str(tx_file), "--json")
    assert shown_done.returncode == EXIT_OK
    shown = json.loads(shown_done.stdout)
    keys = [s["public_key"] for s in shown["signers"]]
    assert keys == sorted(keys)
    signers = ("ningbo-ptc", "xiangshan-court")  # the sender, and the court co-signing
    assert sorted(keys) == sorted(public_key(network, name) for name in signers)
    assert all(s["valid"] for s in shown["signers"])
    assert run_lantan("tx", "submit", str(tx_file), "--node", node_url).returncode == EXIT_OK


def test_a_hex_key_that_looks_like_a_number_is_a_string(
    network: Network, node_url: str, tmp_path: Path
) -> None:
    # "5e33..." read as JSON is a number with an exponent; random keys hit it now and then.
    holder_key = "5e33" + "0123456789abcdef" * 3 + "0123456789ab"
    tx_file = tmp_path / "tx.json"
    assert run_lantan("tx", "build", "account.open", "--sender-key",
                      str(network.key("ningbo-ptc")), "--unsigned", "--nonce", "1",
                      "--genesis", str(network.genesis_path), "--set", "account_id=2023",
                      "--set", f"holder_key={holder_key}", "--set", "display_name=x",
                      "--set", "kind=government",
                      "--out", str(tx_file)).returncode == EXIT_OK  # fmt: skip
    body = json.loads(tx_file.read_text())["tx"]["body"]
    assert body["holder_key"] == holder_key
    assert body["account_id"] == "2023"


def test_build_refuses_to_overwrite(network: Network, node_url: str, tmp_path: Path) -> None:
    tx_file = tmp_path / "tx.json"
    tx_file.write_text("signatures someone collected")
    done = run_lantan("tx", "build", "credits.freeze", "--sender-key",
                      str(network.key("xiangshan-court")), "--unsigned", "--nonce", "1",
                      "--genesis", str(network.genesis_path), "--set", "account_id=a",
                      "--set", "batch_id=b", "--set", "quantity_kg=5", "--set", "reason=r",
                      "--out", str(tx_file))  # fmt: skip
    # A usage error, before any work (as receipt get's --out): nothing unlocked or asked.
    assert done.returncode == EXIT_USAGE
    assert "--force" in done.stderr
    assert tx_file.read_text() == "signatures someone collected"


@pytest.mark.parametrize("expires_in_ms", ["0", "-5", str(EXPIRES_IN_MS_MAX + 1), "10" + "0" * 30])
def test_a_lifetime_outside_30_days_is_a_usage_error(
    network: Network, tmp_path: Path, expires_in_ms: str
) -> None:
    tx_file = tmp_path / "tx.json"
    done = run_lantan("tx", "build", "credits.freeze", "--sender-key",
                      str(network.key("xiangshan-court")), "--unsigned", "--nonce", "1",
                      "--genesis", str(network.genesis_path), "--set", "account_id=a",
                      "--set", "batch_id=b", "--set", "quantity_kg=5", "--set", "reason=r",
                      "--expires-in-ms", expires_in_ms, "--out", str(tx_file))  # fmt: skip
    assert done.returncode == EXIT_USAGE
    assert "30 days" in done.stderr
    assert not tx_file.exists()


def test_a_lifetime_of_30_days_is_built(network: Network, tmp_path: Path) -> None:
    tx_file = tmp_path / "tx.json"
    done = run_lantan("tx", "build", "credits.freeze", "--sender-key",
                      str(network.key("xiangshan-court")), "--unsigned", "--nonce", "1",
                      "--genesis", str(network.genesis_path), "--set", "account_id=a",
                      "--set", "batch_id=b", "--set", "quantity_kg=5", "--set", "reason=r",
                      "--expires-in-ms", str(EXPIRES_IN_MS_MAX),
                      "--out", str(tx_file))  # fmt: skip
    assert done.returncode == EXIT_OK and tx_file.exists()


@pytest.mark.parametrize("timeout_ms", ["0", "-1", str(TIMEOUT_MS_MAX + 1)])
def test_a_wait_outside_a_day_is_a_usage_error_before_any_key_or_node(
    network: Network, timeout_ms: str
) -> None:
    # The node URL is a closed port and the keystore is never opened: the number is
    # refused first (it was submitted, then reported "still pending", exit 3).
    done = run_lantan("tx", "account.open", "--key", str(network.key("ningbo-ptc")),
                      "--node", "http://127.0.0.1:1", "--timeout-ms", timeout_ms)  # fmt: skip
    assert done.returncode == EXIT_USAGE
    assert "argument --timeout-ms: expected a whole number 1..86400000" in done.stderr


def test_unknown_type_is_an_argparse_usage_error() -> None:
    done = run_lantan("tx", "credits.burn", "--key", "x")
    assert done.returncode == EXIT_USAGE
    assert "credits.transfer" in done.stderr


def test_help_lists_the_body_fields() -> None:
    done = run_lantan("tx", "credits.transfer", "--help")
    assert done.returncode == EXIT_OK
    assert "broker: id [a-z0-9][a-z0-9._-]* or null" in done.stdout


def test_cosign_help_says_it_takes_a_keystore_file() -> None:
    """The documented rotation passes `--cosign DIR/pending_keystore.json`; the help said
    `--cosign DIR`, so an operator doubted the file would do."""
    done = run_lantan("tx", "key.rotate", "--help")
    out = " ".join(done.stdout.split())
    assert "--cosign DIR_OR_KEYSTORE a co-signer's key directory or keystore file" in out
    assert "--cosign DIR/pending_keystore.json" in out


def test_key_rotate_cosigned_by_the_pending_keystore_file(
    network: Network, node_url: str, tmp_path: Path
) -> None:
    """The rotation as OPERATIONS.md and CLI.md give it: the old key sends, the pending
    keystore file `lantan keys rotate` wrote beside it co-signs."""
    directory = tmp_path / "xiamen-ptc"
    shutil.copytree(network.key("xiamen-ptc"), directory)
    old = read_keystore(directory).identity.public_key.hex()
    passphrase = (directory / PASSPHRASE_FILE).read_bytes().rstrip(b"\n")
    new = create_pending_key(directory, passphrase, limits=TEST_LIMITS).identity.public_key.hex()
    pending = directory / PENDING_KEYSTORE_FILE
    done = run_lantan(
        "tx", "key.rotate", "--key", str(directory), "--cosign", str(pending),
        "--node", node_url, "--set", f"public_key={old}", "--set", f"new_public_key={new}",
    )  # fmt: skip
    out = done.stdout
    assert done.returncode == EXIT_OK, done
    assert "ACCEPTED" in out, out


def test_key_rotate_with_the_passphrase_kept_away_from_the_keystore(
    network: Network, node_url: str, tmp_path: Path
) -> None:
    """OPERATIONS.md keeps a host's passphrase in /etc/lantan/NAME/, not beside the keystore,
    and `keys rotate` seals the pending key under that same passphrase: --passphrase-file
    unlocks both. It used to unlock only --key, and the co-signer's error said to give the
    --passphrase-file the operator had given."""
    directory = tmp_path / "xiamen-ptc"
    shutil.copytree(network.key("xiamen-ptc"), directory)
    passphrase_file = tmp_path / "etc-passphrase"
    (directory / PASSPHRASE_FILE).rename(passphrase_file)
    old = read_keystore(directory).identity.public_key.hex()
    passphrase = passphrase_file.read_bytes().rstrip(b"\n")
    new = create_pending_key(directory, passphrase, limits=TEST_LIMITS).identity.public_key.hex()
    captured = run_lantan(
        "tx", "key.rotate", "--key", str(directory), "--passphrase-file", str(passphrase_file),
        "--cosign", str(directory / PENDING_KEYSTORE_FILE), "--node", node_url,
        "--set", f"public_key={old}", "--set", f"new_public_key={new}",
    )  # fmt: skip
    assert captured.returncode == EXIT_OK, captured.stderr
    assert "ACCEPTED" in captured.stdout


def test_a_cosigner_without_a_passphrase_is_told_where_to_put_it(
    network: Network, node_url: str, tmp_path: Path
) -> None:
    """--passphrase-file is the sender's: a co-signer's error names the file it looked for
    (stdin is a pipe in run_lantan, so there is no prompt to fall back on, as under systemd)."""
    court = tmp_path / "court"
    shutil.copytree(network.key("xiangshan-court"), court)
    (court / PASSPHRASE_FILE).unlink()
    done = open_township_account(network, node_url, "--cosign", str(court))
    err = " ".join(done.stderr.split())
    assert done.returncode == EXIT_FAILURE
    assert f"co-signer {court / 'keystore.json'} is encrypted" in err
    assert f"its passphrase in {court / PASSPHRASE_FILE}" in err
    assert "--passphrase-file is the sender's" in err


def test_a_tx_that_outlives_the_cap_is_said_before_it_is_signed(
    network: Network, node_url: str, tmp_path: Path
) -> None:
    """Stop 55 (the hostile pass): a file built elsewhere with `expires_at_ms` 2^53 - 1 was
    co-signed without a word, and `tx show` printed the expiry as a raw number: whoever
    holds a copy can submit it with the co-signer's signature until then."""
    tx_file = built_unsigned(network, node_url, tmp_path)
    shown = run_lantan("tx", "show", str(tx_file))
    assert "UTC, in 9 min" in shown.stdout or "UTC, in 10 min" in shown.stdout, shown.stdout
    document = json.loads(tx_file.read_text())
    document["tx"]["expires_at_ms"] = 2**53 - 1  # unsigned yet: no signature to break
    tx_file.write_text(json.dumps(document))
    signed = run_lantan("tx", "sign", str(tx_file), "--key", str(network.key("xiangshan-court")))
    assert signed.returncode == EXIT_OK, signed
    assert "expires in 285," in signed.stderr and "past the 30 days" in signed.stderr
    assert "(in 285," in run_lantan("tx", "show", str(tx_file)).stdout
