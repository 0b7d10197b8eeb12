"""The `lantan tx` command group: one command per tx type, and build -> sign -> submit.

`lantan tx <type>` builds, signs (sender and --cosign keys), submits to every node and
waits for the committed result. The multi-party flow moves a tx file between parties whose
keys never leave their machines (DESIGN.md §2). Thin shell: the work is in client/tx/flow.py.
"""

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from client.cli.progress import spinner
from client.cli.support import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_PENDING,
    Subparsers,
    add_json_option,
    add_node_option,
    guarded,
    print_json,
    refuse_existing_out,
)
from client.errors import ClientError, NodeRejectedError, SubmitError, TxInputError
from client.genesis_file import add_genesis_option
from client.node_pool import NodePool, node_urls
from client.tx.body import (
    apply_settings,
    fill_nullable_fields,
    read_body_argument,
    string_fields,
    tx_type_of,
    validate_body,
)
from client.tx.file import check_signatures, read_tx_file, write_tx_file
from client.tx.flow import (
    DAY_MS,
    EXPIRES_IN_MS_DEFAULT,
    EXPIRES_IN_MS_MAX,
    TIMEOUT_MS_DEFAULT,
    TIMEOUT_MS_MAX,
    TxOutcome,
    build_tx,
    check_before_submit,
    expiry_text,
    now_ms,
    outlives_the_cap,
    parse_public_key,
    resolve_chain_id,
    sign_with,
    submit_tx,
)
from client.tx.help import help_epilog
from client.tx.parties import (
    Party,
    missing_party_text,
    needed_cosigners,
    parties_text,
    unneeded_signer_warning,
)
from client.tx.rejections import rejection_text
from client.tx.signing_keys import UnlockedKey, unlock_cosigner, unlock_key
from contracts.records import Institution
from contracts.tx_types import TxType
from genesis.commands import add_group, whole_number
from genesis.keystore import read_keystore
from protocol.encoding import INTEGER_MAGNITUDE_LIMIT, JsonObject
from protocol.signing import PublicKey
from protocol.tx import SignedTx, UnsignedTx

FLOW_COMMANDS = ("build", "sign", "submit", "show")


def register_tx(subparsers: Subparsers) -> None:
    """Add `tx <type>` for every TxType and `tx build|sign|submit|show` (entry point `tx`)."""
    actions = add_group(
        subparsers,
        "tx",
        "build, sign and submit transactions",
        description="Send a transaction of any type, or pass a tx file between parties.",
        metavar="TYPE|ACTION",
    )
    for tx_type in TxType:
        _add_send(actions, tx_type)
    _add_build(actions)
    _add_sign(actions)
    _add_submit(actions)
    _add_show(actions)


def _add_send(actions: Subparsers, tx_type: TxType) -> None:
    parser = actions.add_parser(
        tx_type.value,
        help=f"send one {tx_type.value} tx and wait for its result",
        epilog=help_epilog(tx_type),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--key",
        required=True,
        type=Path,
        metavar="DIR_OR_KEYSTORE",
        help="the sender's key directory or keystore file",
    )
    parser.add_argument(
        "--cosign",
        action="append",
        default=[],
        type=Path,
        metavar="DIR_OR_KEYSTORE",
        help="a co-signer's key directory or keystore file, as --key (repeatable); "
        "key.rotate: --cosign DIR/pending_keystore.json, the key `lantan keys rotate` wrote",
    )
    _add_secret_options(parser)
    _add_body_options(parser)
    _add_header_options(parser)
    _add_submit_options(parser)
    parser.set_defaults(handler=guarded(f"tx {tx_type.value}", _run_send), tx_type=tx_type.value)


def _add_build(actions: Subparsers) -> None:
    parser = actions.add_parser(
        "build",
        help="write a tx file for other parties to sign",
        description="Build a tx into a file: signed by the sender (--sender-key) or "
        "unsigned (--sender HEX, or --unsigned). Then `tx sign` and `tx submit`.",
    )
    parser.add_argument("type", choices=sorted(t.value for t in TxType), metavar="TYPE")
    sender = parser.add_mutually_exclusive_group(required=True)
    sender.add_argument("--sender-key", type=Path, metavar="DIR_OR_KEYSTORE")
    sender.add_argument("--sender", metavar="PUBLIC_KEY_HEX", help="build without the key")
    parser.add_argument(
        "--unsigned",
        action="store_true",
        help="with --sender-key: take only its public key, do not sign",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="FILE")
    parser.add_argument("--force", action="store_true", help="replace an existing --out file")
    _add_secret_options(parser)
    _add_body_options(parser)
    _add_header_options(parser)
    add_node_option(parser)
    add_json_option(parser)
    parser.set_defaults(handler=guarded("tx build", _run_build))


def _add_sign(actions: Subparsers) -> None:
    parser = actions.add_parser("sign", help="add your signature to a tx file, in place")
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--key", required=True, type=Path, metavar="DIR_OR_KEYSTORE")
    _add_secret_options(parser)
    add_json_option(parser)
    parser.set_defaults(handler=guarded("tx sign", _run_sign))


def _add_submit(actions: Subparsers) -> None:
    parser = actions.add_parser("submit", help="submit a signed tx file to every node")
    parser.add_argument("file", type=Path, metavar="FILE")
    _add_submit_options(parser)
    parser.set_defaults(handler=guarded("tx submit", _run_submit))


def _add_show(actions: Subparsers) -> None:
    parser = actions.add_parser("show", help="print a tx file: id, type, body, signers")
    parser.add_argument("file", type=Path, metavar="FILE")
    add_genesis_option(parser, help="name each signer's institution from this genesis file")
    add_json_option(parser)
    parser.set_defaults(handler=guarded("tx show", _run_show))


def _add_secret_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help="default: the `passphrase` file beside the keystore, else a prompt",
    )
    parser.add_argument(
        "--dev-plaintext", action="store_true", help="accept plaintext development keystores"
    )


def _add_body_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--body", metavar="JSON|@FILE", help="the body as a JSON object")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="set one body field (a string field takes VALUE as text; others take "
        "JSON if it parses, else a string; a.b=1 nests); repeatable, applied after --body",
    )


def _add_header_options(parser: argparse.ArgumentParser) -> None:
    add_genesis_option(parser, help="take chain_id from this genesis file (default: from the node)")
    parser.add_argument(
        "--nonce",
        type=whole_number(1, INTEGER_MAGNITUDE_LIMIT - 1),
        metavar="N",
        help="default: the next nonce the nodes expect",
    )
    parser.add_argument(
        "--expires-in-ms",
        type=whole_number(
            1,
            EXPIRES_IN_MS_MAX,
            "30 days: whoever holds a copy of a signed tx can submit it until it expires",
        ),
        default=EXPIRES_IN_MS_DEFAULT,
        metavar="MS",
        help="lifetime of the tx (default: 10 minutes)",
    )


def _add_submit_options(parser: argparse.ArgumentParser) -> None:
    add_node_option(parser)
    parser.add_argument(
        "--wait",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="wait for the committed result (default: wait)",
    )
    parser.add_argument(
        "--timeout-ms",
        type=whole_number(1, TIMEOUT_MS_MAX, "a day; --no-wait submits without waiting"),
        default=TIMEOUT_MS_DEFAULT,
        metavar="MS",
        help=f"how long to wait for the commit (default: {TIMEOUT_MS_DEFAULT}, at most "
        f"{TIMEOUT_MS_MAX})",
    )
    add_json_option(parser)


def _read_body(args: argparse.Namespace) -> JsonObject:
    """--body then --set, nullable fields defaulted to null, checked like the node will."""
    tx_type = tx_type_of(args.tx_type)
    body = apply_settings(read_body_argument(args.body), args.set, string_fields(tx_type))
    body = fill_nullable_fields(tx_type, body)
    try:
        validate_body(tx_type, body)
    except TxInputError as error:
        if args.body is None and not args.set:
            # The usual cause of "missing field" here: no body was given at all.
            raise TxInputError(
                error.code,
                f"{error.detail} (no --body or --set given: `lantan tx {args.tx_type} --help` "
                f"lists the fields and prints an example)",
            ) from None
        raise
    return body


def _unlock(path: Path, args: argparse.Namespace) -> UnlockedKey:
    return unlock_key(
        path, passphrase_file=args.passphrase_file, allow_plaintext=args.dev_plaintext
    )


def _build(
    args: argparse.Namespace, sender: PublicKey, pool: NodePool, body: JsonObject
) -> UnsignedTx:
    chain_id = resolve_chain_id(args.genesis, pool)
    nonce = args.nonce if args.nonce is not None else pool.next_nonce(sender.hex())
    return build_tx(
        tx_type=args.tx_type,
        body=body,
        sender=sender,
        nonce=nonce,
        chain_id=chain_id,
        expires_at_ms=now_ms() + args.expires_in_ms,
    )


def _run_send(args: argparse.Namespace) -> int:
    body = _read_body(args)
    sender = _unlock(args.key, args)
    cosigners = [
        unlock_cosigner(
            path,
            sender=args.key,
            passphrase_file=args.passphrase_file,
            allow_plaintext=args.dev_plaintext,
        )
        for path in args.cosign
    ]
    with NodePool(node_urls(args.node)) as pool:
        unsigned = _build(args, sender.key.public_key, pool, body)
        signed = sign_with(unsigned, [sender, *cosigners])
        check_before_submit(signed, at_ms=now_ms())
        outcome = _submit(pool, signed, args)
    return _report(signed, outcome, as_json=args.json)


def _submit(pool: NodePool, signed: SignedTx, args: argparse.Namespace) -> TxOutcome:
    """Submit to every node and wait for the commit, with a spinner for a person."""
    step = f"submitting {signed.tx.type} to {len(pool.clients)} node(s)"
    if args.wait:
        step += ", waiting for the commit"
    try:
        with spinner(step, as_json=args.json):
            return submit_tx(pool, signed, wait=args.wait, timeout_ms=args.timeout_ms)
    except SubmitError as error:
        raise named_missing_party(error, signed) from None


def named_missing_party(error: SubmitError, signed: SignedTx) -> ClientError:
    """The nodes' refusal, naming whose co-signature is missing when the body says."""
    for failure in error.failures.values():
        party = (
            missing_party_text(failure.code, signed)
            if isinstance(failure, NodeRejectedError)
            else None
        )
        if party is not None:
            return ClientError(f"{error}; the missing co-signature is {party}'s")
    return error


def _run_build(args: argparse.Namespace) -> int:
    args.tx_type = args.type
    refuse_existing_out(args.out, force=args.force)
    body = _read_body(args)
    signer: UnlockedKey | None = None
    if args.sender is not None:
        sender = parse_public_key(args.sender)
    elif args.unsigned:
        sender = read_keystore(args.sender_key).identity.public_key
    else:
        signer = _unlock(args.sender_key, args)
        sender = signer.key.public_key
    with NodePool(node_urls(args.node)) as pool:
        unsigned = _build(args, sender, pool, body)
    signed = sign_with(unsigned, [] if signer is None else [signer])
    write_tx_file(args.out, signed, overwrite=args.force)
    return _print_file_summary(signed, as_json=args.json, heading=f"wrote {args.out}")


def _run_sign(args: argparse.Namespace) -> int:
    signed = read_tx_file(args.file)
    # Never put a signature on a tx the node would refuse for its body.
    validate_body(tx_type_of(signed.tx.type), signed.tx.body)
    signer = _unlock(args.key, args)
    now = now_ms()
    if signed.tx.expires_at_ms < now:
        print(f"warning: {args.file} has expired; the nodes will refuse it", file=sys.stderr)
    elif outlives_the_cap(signed.tx.expires_at_ms, now):
        print(
            f"warning: {args.file} expires {expiry_text(signed.tx.expires_at_ms, now)}: past"
            f" the {EXPIRES_IN_MS_MAX // DAY_MS} days `tx build` gives a tx, and whoever holds"
            " a copy can submit it with your signature until then",
            file=sys.stderr,
        )
    # Signed anyway, as for an expired tx: the parties the body names may not be all the
    # contracts accept (docs/CLI.md), and the signer is told before the file leaves.
    warning = unneeded_signer_warning(
        signed, signer.name, is_sender=signer.key.public_key == signed.tx.sender
    )
    if warning is not None:
        print(warning, file=sys.stderr)
    signed = sign_with(signed, [signer])
    write_tx_file(args.file, signed, overwrite=True)
    heading = f"{args.file}: signed by {signer.name} ({signer.public_key_hex})"
    return _print_file_summary(signed, as_json=args.json, heading=heading)


def _run_submit(args: argparse.Namespace) -> int:
    signed = read_tx_file(args.file)
    check_before_submit(signed, at_ms=now_ms())
    with NodePool(node_urls(args.node)) as pool:
        outcome = _submit(pool, signed, args)
    return _report(signed, outcome, as_json=args.json)


def _run_show(args: argparse.Namespace) -> int:
    signed = read_tx_file(args.file)
    institutions = (
        {}
        if args.genesis is None
        else {k.hex(): i for i in args.genesis.document.institutions for k in i.public_keys}
    )
    return _print_file_summary(
        signed, as_json=args.json, heading=str(args.file), institutions=institutions
    )


def file_summary(
    signed: SignedTx, institutions: Mapping[str, Institution] | None = None
) -> JsonObject:
    """tx_id, header fields, body and each signature with its check, and its signer's
    institution (when institutions, from a genesis file, holds its key) and part in the tx."""
    tx = signed.tx
    known = institutions or {}
    cosigners = needed_cosigners(signed)
    return {
        "tx_id": signed.tx_id.hex(),
        "type": tx.type,
        "chain_id": tx.chain_id.hex(),
        "sender": tx.sender.hex(),
        "nonce": tx.nonce,
        "expires_at_ms": tx.expires_at_ms,
        "body": tx.body,
        "signers": [
            {
                "public_key": c.public_key_hex,
                "valid": c.valid,
                "sender": c.is_sender,
                "institution": None
                if (i := known.get(c.public_key_hex)) is None
                else i.institution_id,
                "role": signer_role(signed, c.is_sender, i, cosigners),
            }
            for c in check_signatures(signed)
        ],
        "needs": None if cosigners is None else parties_text(signed, cosigners),
    }


def signer_role(
    signed: SignedTx,
    is_sender: bool,
    institution: Institution | None,
    cosigners: tuple[Party, ...] | None,
) -> str:
    """ "sender", "co-signer as broker", "co-signer, NOT a party this credits.transfer
    needs", or "co-signer" when the body or the genesis file does not tell."""
    if is_sender:
        return "sender"
    if institution is None or cosigners is None:
        return "co-signer"
    parts = [p.part for p in cosigners if p.institution_id == institution.institution_id]
    if parts:
        return "co-signer as " + " and ".join(parts)
    return f"co-signer, NOT a party this {signed.tx.type} needs"


def _print_file_summary(
    signed: SignedTx,
    *,
    as_json: bool,
    heading: str,
    institutions: Mapping[str, Institution] | None = None,
) -> int:
    summary = file_summary(signed, institutions)
    if as_json:
        print_json(summary)
        return EXIT_OK
    print(heading)
    for name in ("tx_id", "type", "sender", "nonce", "expires_at_ms", "chain_id"):
        value = f"{summary[name]}"
        if name == "expires_at_ms":
            value += f" ({expiry_text(signed.tx.expires_at_ms, now_ms())})"
        print(f"  {name:<14}{value}")
    signers = summary["signers"]
    assert isinstance(signers, list)
    if not signers:
        print("  signers       none yet")
    for entry in signers:
        assert isinstance(entry, dict)
        check = "valid" if entry["valid"] else "INVALID"
        institution = (institutions or {}).get(str(entry["public_key"]))
        who = (
            ""
            if institution is None
            else f" {institution.name_zh} {institution.name_en} ({institution.institution_id})"
        )
        print(f"  signer        {entry['public_key']}{who} {entry['role']}, {check}")
    if summary["needs"] is not None:
        print(f"  needs         {summary['needs']}")
    if signed.tx.sender not in signed.signers:
        print("  (the sender has not signed yet)")
    return EXIT_OK


def _report(signed: SignedTx, outcome: TxOutcome, *, as_json: bool) -> int:
    """Print the outcome; exit 0 only when committed and accepted (or not waited for)."""
    for url, error in outcome.submit.failures.items():
        print(f"warning: {url} did not take the tx: {error}", file=sys.stderr)
    status = outcome.status
    exit_code, verdict = _verdict(outcome, signed)
    if as_json:
        document: JsonObject = {
            "tx_id": signed.tx_id.hex(),
            "type": signed.tx.type,
            "sender": signed.tx.sender.hex(),
            "nonce": signed.tx.nonce,
            "submitted_to": list(outcome.submit.accepted_by),
            "submit_failures": {url: str(e) for url, e in outcome.submit.failures.items()},
        }
        document |= {"status": "submitted"} if status is None else status.to_json()
        print_json(document)
    else:
        total = len(outcome.submit.accepted_by) + len(outcome.submit.failures)
        print(f"tx {signed.tx_id.hex()} {signed.tx.type} nonce {signed.tx.nonce}")
        print(f"submitted to {len(outcome.submit.accepted_by)} of {total} nodes")
        print(verdict)
    if exit_code != EXIT_OK and as_json:
        print(verdict, file=sys.stderr)
    return exit_code


def _verdict(outcome: TxOutcome, signed: SignedTx) -> tuple[int, str]:
    status = outcome.status
    if status is None:
        return EXIT_OK, "not waiting for the commit (--no-wait)"
    where = f"height {status.height}, index {status.index}"
    if status.accepted:
        return EXIT_OK, f"committed at {where}: ACCEPTED"
    if status.status == "committed":
        reason = rejection_text(str(status.result_reason), signed)
        return EXIT_FAILURE, f"committed at {where}: REJECTED ({reason})"
    if status.status == "pending":
        return EXIT_PENDING, (
            f"still pending when the wait ended; follow it with `lantan query tx {status.tx_id}`"
        )
    reason = f" ({status.reason})" if status.reason else ""
    return EXIT_FAILURE, f"not committed: {status.status}{reason}"
