"""The court-grade Xiangshan case end to end on a running local network, through the
`lantan` CLI only (the steps of genesis/example/xiangshan_court_grade.py).

Run by ./scripts/demo after `lantan net up`. Each institution signs with its own keystore;
the monitoring centre and the township make their keys themselves (`lantan keys new`);
co-signers (the second validator of the quorum, the broker, the court) sign from their own
directories through the multi-party flow (tx build -> tx sign -> tx submit). Prints every
step and its TxResult, checks that all three nodes hold every tx at the same height and
index, and shows the attested verification the batch was issued from.
"""

import argparse
import contextlib
import io
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from genesis.example.xiangshan_case import (
    BATCH_ID,
    CASE_ID,
    SUBSCRIBED_KG,
    TOWNSHIP_ACCOUNT,
    VERIFICATION_ID,
    CaseStep,
)
from genesis.example.xiangshan_court_grade import VERIFIER_ID, court_grade_steps
from genesis.network import ECOLOGICAL_ACCOUNT_ID as ECO_ACCOUNT
from node.web.formatting import yuan_text

LANTAN = [sys.executable, "-m", "client.cli.main"]


@dataclass(frozen=True)
class Lantan:
    """Runs one `lantan ... --json` command and returns its JSON; exits the demo with the
    command's message on failure. in_process: through client.cli.main.main in this process,
    not as a process of its own (the browser tier's fixture: ~0.5 s of CPU per command, the
    CLI's imports, saved); ./scripts/demo runs each as a user would, a process of its own."""

    in_process: bool = False

    def __call__(self, *args: str) -> dict[str, Any]:
        code, stdout, stderr = _in_process(args) if self.in_process else _process(args)
        if code != 0:
            print(f"FAILED: lantan {' '.join(args[:2])}\n{stderr}{stdout}")
            sys.exit(1)
        parsed: dict[str, Any] = json.loads(stdout)
        return parsed


def _process(args: tuple[str, ...]) -> tuple[int, str, str]:
    completed = subprocess.run([*LANTAN, *args], capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout, completed.stderr


def _in_process(args: tuple[str, ...]) -> tuple[int, str, str]:
    from client.cli.main import main as lantan_main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = lantan_main(list(args))
        except SystemExit as stop:  # argparse's errors
            code = stop.code if isinstance(stop.code, int) else 1
    return code, stdout.getvalue(), stderr.getvalue()


def own_key(net: Path, name: str, lantan: Lantan) -> str:
    """The public key of a party that makes its key itself with `lantan keys new` (the
    Huangbi'ao Township holder, the monitoring centre): made once, in its own directory."""
    directory = net / name
    if not (directory / "keystore.json").exists():
        directory.mkdir(parents=True)
        passphrase = directory / "passphrase"
        passphrase.write_text(f"{name} local demo passphrase\n")
        passphrase.chmod(0o600)
        made = lantan(
            "keys",
            "new",
            "--name",
            name,
            "--out",
            str(directory),
            "--passphrase-file",
            str(passphrase),
            "--kdf",
            "interactive",
            "--json",
        )
        print(f"   {name} makes its own key (lantan keys new): {made['public_key'][:16]}…")
        return str(made["public_key"])
    return str(lantan("keys", "show", str(directory), "--json")["public_key"])


def body_for(step: CaseStep, net: Path, lantan: Lantan) -> dict[str, Any]:
    """The step's body with the keys its parties made here in place of the example keys."""
    body = dict(step.body)
    if step.tx_type == "account.open":
        body["holder_key"] = own_key(net, TOWNSHIP_ACCOUNT, lantan)
    if step.tx_type == "institution.register" and body["institution_id"] == VERIFIER_ID:
        body["public_keys"] = [own_key(net, VERIFIER_ID, lantan)]
    return body


def run_step(
    step: CaseStep,
    net: Path,
    nodes: str,
    work: Path,
    body: dict[str, Any] | None = None,
    *,
    lantan: Lantan = Lantan(),
) -> dict[str, Any]:
    """Send one step: one-shot when only the sender signs, else build -> sign -> submit.
    body: the body to send instead of the step's with the parties' own keys (body_for)."""
    body_file = work / f"{step.tx_type}.body.json"
    sent = body_for(step, net, lantan) if body is None else body
    body_file.write_text(json.dumps(sent, ensure_ascii=False))
    sender = str(net / step.sender)
    if not step.cosigners:
        return lantan(
            "tx",
            step.tx_type,
            "--key",
            sender,
            "--body",
            f"@{body_file}",
            "--node",
            nodes,
            "--json",
        )
    tx_file = work / f"{step.tx_type}.tx.json"
    lantan(
        "tx",
        "build",
        step.tx_type,
        "--sender-key",
        sender,
        "--body",
        f"@{body_file}",
        "--node",
        nodes,
        "--out",
        str(tx_file),
        "--force",
        "--json",
    )
    for cosigner in step.cosigners:
        # Each co-signer signs from its own keystore directory, as it would in its office.
        lantan("tx", "sign", str(tx_file), "--key", str(net / cosigner), "--json")
    return lantan("tx", "submit", str(tx_file), "--node", nodes, "--wait", "--json")


def outcome_line(outcome: dict[str, Any]) -> str:
    """Where a sent tx committed and its result, as the demos print it."""
    result = outcome["result"]
    return (
        f"   tx {outcome['tx_id'][:16]}… height {outcome['height']} "
        f"index {outcome['index']}: {result['status'].upper()}"
        + (f" ({result['reason']})" if result["reason"] else "")
    )


def check_all_nodes(http: httpx.Client, tx_ids: list[str], urls: list[str]) -> None:
    for tx_id in tx_ids:
        places = set()
        for url in urls:
            status = http.get(f"{url}/v1/txs/{tx_id}", params={"wait_ms": 5000}).json()
            places.add((status["status"], status["height"], status["index"]))
        if len(places) != 1 or next(iter(places))[0] != "committed":
            print(f"FAILED: tx {tx_id} differs across nodes: {places}")
            sys.exit(1)
    print(f"all {len(tx_ids)} txs committed at the same height and index on {len(urls)} nodes")


def show_agreement(http: httpx.Client, urls: list[str]) -> None:
    """Compare the nodes at one height (each may already be a heartbeat block further)."""
    height = min(http.get(f"{url}/v1/status").json()["height"] for url in urls)
    headers = [http.get(f"{url}/v1/blocks/{height}").json()["block"]["header"] for url in urls]
    if any(header != headers[0] for header in headers):
        print(f"FAILED: nodes differ at height {height}")
        sys.exit(1)
    print(
        f"all {len(urls)} nodes hold the same header at height {height}: "
        f"state_root {headers[0]['state_root'][:16]}…, history_root "
        f"{headers[0]['history_root'][:16]}…"
    )


def show_verification(http: httpx.Client, url: str) -> None:
    """The attested verification behind the batch: who signed what, and what was issued."""
    attested = http.get(f"{url}/v1/attested-verifications/{VERIFICATION_ID}").json()
    verifier = http.get(f"{url}/v1/institutions/{attested['verifier']}").json()
    print(
        f"verification {VERIFICATION_ID}, attested by {verifier['name_zh']} "
        f"{verifier['name_en']} (roles: {', '.join(verifier['roles'])})\n"
        f"   monitoring period {attested['period_start']} to {attested['period_end']}, "
        f"methodology {attested['methodology_id']} (version {attested['methodology_version']})\n"
        f"   net sink {attested['net_sink_kg']:,} kg CO2e; {attested['issued_kg']:,} kg issued "
        f"from it (batch {BATCH_ID}, buffer included)\n"
        f"   report hashes: {', '.join(r['label'].replace('_', ' ') for r in attested['reports'])}"
    )


def show_consideration(http: httpx.Client, url: str) -> None:
    """The price the obligors' subscription recorded (ADR 0031): recorded, never settled."""
    (record,) = http.get(f"{url}/v1/considerations").json()["items"]
    print(
        f"subscription {record['quantity_kg']:,} kg at {yuan_text(record['unit_price_fen_per_t'])}"
        f" a tonne: {yuan_text(record['total_fen'])} ({record['currency']}) on record; the"
        " registry records the price, it never moves money"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--net", type=Path, required=True)
    parser.add_argument("--nodes", required=True, help="comma-separated node URLs")
    parser.add_argument(
        "--in-process", action="store_true", help="run each lantan command in this process"
    )
    args = parser.parse_args()
    lantan = Lantan(in_process=args.in_process)
    urls = args.nodes.split(",")
    tx_ids = []
    with tempfile.TemporaryDirectory() as work:
        for number, step in enumerate(court_grade_steps(), start=1):
            signers = f" (co-signed by {', '.join(step.cosigners)})" if step.cosigners else ""
            # Named before it runs: a step waits several seconds for its commit.
            print(f"{number}. {step.label}{signers}", flush=True)
            outcome = run_step(step, args.net, args.nodes, Path(work), lantan=lantan)
            print(outcome_line(outcome))
            if outcome["result"]["status"] != "accepted":
                return 1
            tx_ids.append(outcome["tx_id"])
    # One client for the checks: httpx.get makes a client (and its TLS context) per call,
    # ~50 ms of CPU each, ~45 calls here.
    with httpx.Client() as http:
        check_all_nodes(http, tx_ids, urls)
        show_agreement(http, urls)
        show_verification(http, urls[0])
        show_consideration(http, urls[0])
        case = http.get(f"{urls[0]}/v1/cases/{CASE_ID}").json()
    print(
        f"case {case['case_number']}: {case['status'].upper()}, {case['retired_kg']:,} of "
        f"{case['required_kg']:,} kg ({SUBSCRIBED_KG / 1000} t) CO2e of batch {BATCH_ID} "
        f"retired into {ECO_ACCOUNT}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
