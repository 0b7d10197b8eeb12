"""Who a tx needs to sign (h57 F11): a clerk signed a private transfer with the court's key
by mistake, `tx sign` said nothing, `tx show` listed the court as a bare hex co-signer and
the node committed it; a missing broker signature came back without the broker's name."""

import json
from pathlib import Path

from client.cli.support import EXIT_OK
from client.errors import NodeRejectedError, SubmitError
from client.tx.file import read_tx_file
from tests.kit.lantan_cli import run_lantan
from tests.unit.client.conftest import TOWNSHIP, Network

EXAMPLES = Path(__file__).parents[3] / "examples"


def built_transfer(network: Network, tmp_path: Path) -> Path:
    """tmp_path/t.json: the township's brokered transfer, signed by the township."""
    tx_file = tmp_path / "t.json"
    built = run_lantan(
        "tx", "build", "credits.transfer", "--sender-key", str(network.key(TOWNSHIP)),
        "--nonce", "1", "--genesis", str(network.genesis_path),
        "--body", f"@{EXAMPLES / 'credits.transfer.json'}", "--out", str(tx_file),
    )  # fmt: skip
    assert built.returncode == EXIT_OK, built
    return tx_file


def test_signing_with_a_key_the_tx_does_not_need_warns_and_names_the_parties(
    network: Network, tmp_path: Path
) -> None:
    tx_file = built_transfer(network, tmp_path)
    sender = json.loads(tx_file.read_text())["tx"]["sender"]
    court = run_lantan("tx", "sign", str(tx_file), "--key", str(network.key("xiangshan-court")))
    assert court.returncode == EXIT_OK  # signed, as for an expired tx: a warning, not a refusal
    assert court.stderr.startswith(
        "warning: xiangshan-court is not a party this credits.transfer needs"
        f" (sender {sender[:16]}…, broker ningbo-ptc)"
    )
    broker = run_lantan("tx", "sign", str(tx_file), "--key", str(network.key("ningbo-ptc")))
    assert broker.returncode == EXIT_OK and broker.stderr == ""


def test_tx_show_names_each_signers_institution_and_part(network: Network, tmp_path: Path) -> None:
    tx_file = built_transfer(network, tmp_path)
    for name in ("xiangshan-court", "ningbo-ptc"):
        run_lantan("tx", "sign", str(tx_file), "--key", str(network.key(name)))
    shown = run_lantan("tx", "show", str(tx_file), "--genesis", str(network.genesis_path))
    assert shown.returncode == EXIT_OK, shown
    signers = [line for line in shown.stdout.splitlines() if line.startswith("  signer ")]
    court = next(line for line in signers if "(xiangshan-court)" in line)
    assert court.endswith("co-signer, NOT a party this credits.transfer needs, valid")
    broker = next(line for line in signers if "(ningbo-ptc)" in line)
    assert broker.endswith("(ningbo-ptc) co-signer as broker, valid")
    assert any(line.endswith(" sender, valid") for line in signers)
    assert "  needs         sender " in shown.stdout
    document = json.loads(
        run_lantan(
            "tx", "show", str(tx_file), "--genesis", str(network.genesis_path), "--json"
        ).stdout
    )
    parts = {s["institution"]: s["role"] for s in document["signers"]}
    assert parts["ningbo-ptc"] == "co-signer as broker"


def test_a_missing_co_signature_names_the_party(network: Network, tmp_path: Path) -> None:
    from client.cli.tx import named_missing_party  # here: the other tests run without it

    signed = read_tx_file(built_transfer(network, tmp_path))
    refused = NodeRejectedError(
        "http://127.0.0.1:16501",
        400,
        "broker_signature_missing",
        "a co-signature this tx needs is missing; submit the fully signed tx",
    )
    message = str(named_missing_party(SubmitError({refused.url: refused}), signed))
    assert message.startswith("no node accepted the tx: ")
    assert message.endswith("; the missing co-signature is the broker ningbo-ptc's")


def test_each_named_field_is_a_string_field_of_its_tx_type() -> None:
    """The body fields the client reads parties and created ids from exist in the bodies
    the contracts take (a renamed field would silently name nothing)."""
    from client.tx.body import string_fields, tx_type_of
    from client.tx.parties import MISSING_REASONS, NAMED_COSIGNERS
    from client.tx.rejections import CREATED_ID_FIELDS

    for tx_type, fields in NAMED_COSIGNERS.items():
        assert set(fields) <= string_fields(tx_type_of(tx_type)), tx_type
    for tx_type, field in CREATED_ID_FIELDS.items():
        assert field in string_fields(tx_type_of(tx_type)), tx_type
    with_parties = (*NAMED_COSIGNERS, "credits.pledge_enforce")
    every_field = set().union(*(string_fields(tx_type_of(t)) for t in with_parties))
    assert set(MISSING_REASONS.values()) <= every_field
