"""The `lantan keys` command group; `lantan genesis` registers beside it. Thin I/O shell.

It parses arguments, reads passphrases and prints; keys, sealing and files are the work of
genesis/keystore.py. Each group has a `register_<group>(subparsers)` named by an entry point
in pyproject.toml. Bad input ends with one line on stderr and exit code 1, never a
traceback; options that cannot work end with exit code 2, argparse's own errors and
GenesisUsageError alike (an option's value is checked where it is read: by its argparse
`type`, or once what it depends on, the number of validators, is known).
"""

import argparse
import getpass
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from contracts.errors import ContractError
from contracts.records import Role
from genesis.commands import (
    Handler,
    Subparsers,
    add_group,
    failure_text,
    guarded,
    read_passphrase_file_warned,
)
from genesis.document import (
    CHAIN_NAME_LENGTH_MAX,
    GenesisDocument,
    build_genesis,
    parse_genesis,
)
from genesis.errors import (
    GenesisError,
    GenesisUsageError,
    KeystoreExistsError,
    PassphraseRejectedError,
)
from genesis.keystore import (
    INTERACTIVE_LIMITS,
    MODERATE_LIMITS,
    SENSITIVE_LIMITS,
    KdfLimits,
    Keystore,
    check_name,
    create_key_directory,
    create_pending_key,
    parse_roles,
    read_keystore,
    read_signer_state,
    unlock_keystore,
    write_new_file,
)
from genesis.layout import GENESIS_FILE, PASSPHRASE_FILE, SIGNER_STATE_FILE
from genesis.network import (
    LOCAL_CHAIN_NAME,
    check_quorum,
    genesis_from_identities,
    identity_from_json,
    init_local_network,
    witness_from_json,
    witness_set,
)
from protocol.encoding import JsonObject, decode
from protocol.errors import ProtocolError
from protocol.witnesses import WitnessSet

PASSPHRASE_LENGTH_ADVISED = 12
CHAIN_NAME = "lantan-xiangshan"
"""chain_name of a genesis from gathered public keys unless --chain-name gives one."""
TIME_MS_MAX = 2**53 - 1
"""The largest genesis time the canonical encoding carries (integers below 2**53)."""
KDF_PRESETS: dict[str, KdfLimits] = {
    "interactive": INTERACTIVE_LIMITS,
    "moderate": MODERATE_LIMITS,
    "sensitive": SENSITIVE_LIMITS,
}

_DEV_PLAINTEXT_WARNING = """\
WARNING: --dev-plaintext writes the private key UNENCRYPTED to {path}.
WARNING: Anyone who can read that file can sign as {name!r}. Use it only for a
WARNING: throwaway development network, never for a real institution's key."""


def register_keys(subparsers: Subparsers) -> None:
    """Add `keys new`, `keys show` and `keys check` (the `keys` entry point)."""
    actions = add_group(subparsers, "keys", "make and inspect an institution's keys")
    _add_keys_new(actions)
    _add_keys_show(actions)
    _add_keys_check(actions)
    _add_keys_rotate(actions)


def _add_keys_rotate(actions: Subparsers) -> None:
    parser = actions.add_parser(
        "rotate",
        help="generate the key a key.rotate switches a validator to: DIR/pending_keystore.json",
        description="Generate a new key beside DIR/keystore.json, sealed under the node's "
        "passphrase. The node reads it (at start, or when its key leaves the validator set) "
        "and signs with it from the height the set holds it (ADR 0022). Prints the new "
        "public part; then submit key.rotate signed by both keystores (`lantan tx`).",
    )
    parser.add_argument("path", type=Path, metavar="DIR", help="the node's key directory")
    _add_new_key_options(parser)
    parser.set_defaults(handler=_guarded("keys rotate", _run_keys_rotate))


def _add_keys_new(actions: Subparsers) -> None:
    parser = actions.add_parser(
        "new",
        help="generate a key: DIR/keystore.json and DIR/signer_state.json",
        description="Generate an Ed25519 key, seal it under a passphrase (Argon2id + "
        "XSalsa20-Poly1305) and write the initial signer state beside it. Prints the "
        "public part as JSON {name, roles, public_key, note_verifier_key}.",
    )
    parser.add_argument("--name", required=True, help="key name: no spaces, no '+'")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR")
    parser.add_argument("--roles", default="", help="comma-separated, e.g. issuer,validator")
    _add_new_key_options(parser)
    parser.set_defaults(handler=_guarded("keys new", _run_keys_new))


def _add_new_key_options(parser: argparse.ArgumentParser) -> None:
    """How a new keystore is protected, and how its public part is printed."""
    _add_secret_options(
        parser, plaintext="write the key UNENCRYPTED (throwaway development networks only)"
    )
    parser.add_argument(
        "--kdf", choices=sorted(KDF_PRESETS), default="moderate", help="Argon2id cost"
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON public part")


def _add_secret_options(parser: argparse.ArgumentParser, *, plaintext: str) -> None:
    """--passphrase-file or --dev-plaintext (never both); plaintext says what the latter does."""
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help="default: the `passphrase` file beside the keystore, else a prompt",
    )
    secret.add_argument("--dev-plaintext", action="store_true", help=plaintext)


def _add_keys_show(actions: Subparsers) -> None:
    parser = actions.add_parser("show", help="print a keystore's public part")
    parser.add_argument("path", type=Path, metavar="DIR", help="key directory or keystore file")
    parser.add_argument("--json", action="store_true", help="print only the JSON public part")
    parser.set_defaults(handler=_guarded("keys show", _run_keys_show))


def _add_keys_check(actions: Subparsers) -> None:
    parser = actions.add_parser("check", help="check that a passphrase unlocks a keystore")
    parser.add_argument("path", type=Path, metavar="DIR", help="key directory or keystore file")
    _add_secret_options(parser, plaintext="accept a plaintext development keystore")
    parser.set_defaults(handler=_guarded("keys check", _run_keys_check))


def _guarded(command: str, handler: Handler) -> Handler:
    """Run handler; a GenesisError, an OSError or Ctrl-C becomes one line on stderr, with
    exit code 2 for a GenesisUsageError (as argparse's own), else 1."""
    expected = (GenesisError, OSError, KeyboardInterrupt)
    return guarded(command, handler, expected, describe=_failure, usage=(GenesisUsageError,))


def _failure(error: BaseException) -> str:
    if isinstance(error, OSError):
        return f"{error.filename or ''}: {error.strerror or error}".lstrip(": ")
    return failure_text(error)


def _run_keys_new(args: argparse.Namespace) -> int:
    # Check the name and roles first, so nobody types a passphrase for a refused key.
    check_name(args.name)
    roles = parse_roles(name.strip() for name in args.roles.split(",") if name.strip())
    passphrase = None if args.dev_plaintext else _new_passphrase(args.passphrase_file)
    keystore = create_key_directory(
        args.out, args.name, roles, passphrase, limits=KDF_PRESETS[args.kdf]
    )
    assert keystore.path is not None
    if keystore.plaintext:
        warning = _DEV_PLAINTEXT_WARNING.format(path=keystore.path, name=args.name)
        print(warning, file=sys.stderr)
    return _report_keystore(
        keystore,
        f"wrote {keystore.path} ({_protection(keystore)})",
        f"wrote {keystore.path.parent / SIGNER_STATE_FILE} (initial signer state)",
        compact=args.json,
    )


def _run_keys_rotate(args: argparse.Namespace) -> int:
    passphrase = None
    if not args.dev_plaintext:
        passphrase = _passphrase_beside(args.path, args.passphrase_file)
    keystore = create_pending_key(args.path, passphrase, limits=KDF_PRESETS[args.kdf])
    line = f"wrote {keystore.path} ({_protection(keystore)})"
    return _report_keystore(keystore, line, compact=args.json)


def _run_keys_show(args: argparse.Namespace) -> int:
    keystore = read_keystore(args.path)
    return _report_keystore(
        keystore, f"{keystore.path}: {_protection(keystore)}", compact=args.json
    )


def _run_keys_check(args: argparse.Namespace) -> int:
    keystore = read_keystore(args.path)
    passphrase = None
    if not keystore.plaintext:
        assert keystore.path is not None
        passphrase = _passphrase_beside(keystore.path.parent, args.passphrase_file)
    unlock_keystore(keystore, passphrase, allow_plaintext=args.dev_plaintext)
    print(f"{keystore.path}: unlocked key {keystore.identity.name!r} ({_protection(keystore)})")
    assert keystore.path is not None
    try:
        state = read_signer_state(keystore.path.parent)
    except GenesisError as error:
        # A missing signer state is legal (DESIGN.md §4: the node syncs before it votes).
        print(f"warning: {error}", file=sys.stderr)
    else:
        print(f"signer state: last signed height {state.height}, round {state.round}")
    return 0


def _protection(keystore: Keystore) -> str:
    if keystore.sealed is None:
        return "PLAINTEXT development keystore, not encrypted"
    limits = keystore.sealed.limits
    memory_mib = limits.memlimit // (1024 * 1024)
    return f"encrypted, argon2id opslimit {limits.opslimit} memlimit {memory_mib} MiB"


def _report_keystore(keystore: Keystore, *lines: str, compact: bool) -> int:
    """Print lines (not when compact), then the keystore's public part; exit code 0."""
    if not compact:
        print("\n".join(lines))
    public_part = keystore.identity.to_json()
    print(json.dumps(public_part) if compact else json.dumps(public_part, indent=2))
    return 0


def _new_passphrase(passphrase_file: Path | None) -> bytes:
    """The passphrase for a new keystore: from the file, or typed twice at a terminal."""
    if passphrase_file is not None:
        passphrase = read_passphrase_file_warned(passphrase_file)
    elif sys.stdin.isatty():
        passphrase = getpass.getpass("New keystore passphrase: ").encode("utf-8")
        if getpass.getpass("Repeat the passphrase: ").encode("utf-8") != passphrase:
            raise PassphraseRejectedError("the two passphrases differ; nothing was written")
    else:
        raise PassphraseRejectedError(
            "no passphrase: give --passphrase-file FILE, run in a terminal to type one, or "
            "--dev-plaintext for a throwaway development key"
        )
    if not passphrase:
        raise PassphraseRejectedError("the passphrase is empty; nothing was written")
    if len(passphrase) < PASSPHRASE_LENGTH_ADVISED:
        print(
            f"warning: the passphrase is shorter than {PASSPHRASE_LENGTH_ADVISED} characters",
            file=sys.stderr,
        )
    return passphrase


def _passphrase_beside(directory: Path, passphrase_file: Path | None) -> bytes:
    """--passphrase-file, else the `passphrase` file in the key directory (where a local
    network keeps it, as `lantan tx` reads it), else a prompt."""
    beside = directory / PASSPHRASE_FILE
    return _existing_passphrase(passphrase_file or (beside if beside.is_file() else None))


def _existing_passphrase(passphrase_file: Path | None) -> bytes:
    if passphrase_file is not None:
        return read_passphrase_file_warned(passphrase_file)
    if sys.stdin.isatty():
        return getpass.getpass("Keystore passphrase: ").encode("utf-8")
    raise PassphraseRejectedError("the keystore is encrypted: give --passphrase-file FILE")


def register_genesis(subparsers: Subparsers) -> None:
    """Add `genesis init` and `genesis verify` (the `genesis` entry point)."""
    actions = add_group(subparsers, "genesis", "create and check a network's genesis file")
    init = actions.add_parser(
        "init",
        help="a local network (--dir) or a genesis from gathered public keys (--from-pubkeys)",
    )
    source = init.add_mutually_exclusive_group(required=True)
    source.add_argument("--dir", type=Path, help="make keys and DIR/genesis.json for a local net")
    source.add_argument("--from-pubkeys", type=Path, help="JSON list printed by `keys new`")
    # No default here: --dir has one (3), --from-pubkeys refuses the option, and only
    # None tells "not given" from "given".
    init.add_argument("--validators", type=int, choices=(3, 4), help="with --dir: 3 (default) or 4")
    init.add_argument("--out", type=Path, help="genesis file to write (with --from-pubkeys)")
    init.add_argument(
        "--chain-name",
        type=_chain_name,
        metavar="NAME",
        help=f"default: {LOCAL_CHAIN_NAME} with --dir, {CHAIN_NAME} with --from-pubkeys",
    )
    init.add_argument("--quorum", type=int, metavar="Q", help="n/2 < Q <= n (default: n // 2 + 1)")
    init.add_argument(
        "--time-ms",
        type=_time_ms,
        metavar="MS",
        help="genesis time, ms since the Unix epoch (default: now)",
    )
    init.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="NAME",
        help="with --dir: make a witness key DIR/NAME, name it in genesis and register it "
        "as institution NAME with role witness (repeatable)",
    )
    init.add_argument(
        "--witness-pubkeys",
        type=Path,
        metavar="FILE",
        help="with --from-pubkeys: JSON list of the witnesses' `keys new` outputs (each "
        "also an institution with role witness)",
    )
    init.add_argument(
        "--witness-quorum", type=int, metavar="K", help="cosignatures a checkpoint needs (1)"
    )
    init.add_argument("--json", action="store_true", help="print the summary as JSON")
    init.set_defaults(handler=_guarded("genesis init", _run_genesis_init))
    verify = actions.add_parser("verify", help="check a genesis file and print its chain id")
    verify.add_argument("file", type=Path)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=_guarded("genesis verify", _run_genesis_verify))


def _chain_name(text: str) -> str:
    """argparse `type` of --chain-name: what a genesis file may hold, checked before any
    key is made (GenesisDocument checks the length only when a file is read)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError("not valid UTF-8") from None
    if len(text) > CHAIN_NAME_LENGTH_MAX:
        raise argparse.ArgumentTypeError(
            f"at most {CHAIN_NAME_LENGTH_MAX} characters, not {len(text)}"
        )
    return text


def _time_ms(text: str) -> int:
    """argparse `type` of --time-ms: argparse names the option and exits 2."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= TIME_MS_MAX:
        # A block's time must exceed its parent's; a time before 1970 is a typo.
        raise argparse.ArgumentTypeError(
            f"expected ms since the Unix epoch, 0..{TIME_MS_MAX}, not {text!r}"
        )
    return value


def _run_genesis_init(args: argparse.Namespace) -> int:
    time_ms = args.time_ms if args.time_ms is not None else time.time_ns() // 1_000_000
    if args.dir is not None:
        target = args.dir / GENESIS_FILE
        _refuse_existing_genesis(args, target)
        document = _local_document(args, time_ms)
    else:
        if args.out is None:
            raise GenesisUsageError("--from-pubkeys needs --out GENESIS.json")
        target = args.out
        _refuse_existing_genesis(args, target)
        document = _document_from_pubkeys(args.from_pubkeys, args, time_ms)
    data = json.dumps(document.to_json(), indent=2, ensure_ascii=False).encode()
    # The summary is of the bytes as `genesis verify` and every node read them: a value
    # only parsing checks is refused here, never written into a genesis nobody accepts.
    summary = _genesis_summary(_parsed_genesis(data))
    try:
        write_new_file(target, data)
    except KeystoreExistsError:  # made between the check above and now
        _refuse_existing_genesis(args, target)
        raise
    _print_summary(summary, compact=args.json, heading=f"wrote {target}")
    return 0


def _refuse_existing_genesis(args: argparse.Namespace, target: Path) -> None:
    """Refuse, before any work, a genesis file that exists: none is ever overwritten."""
    if not (target.exists() or target.is_symlink()):
        return
    if args.dir is not None:
        raise GenesisError(f"{target} exists; remove the network directory first")
    # `genesis init` has no --force: a genesis that nodes run must not be replaced.
    raise GenesisUsageError(f"--out {target} exists; choose another --out")


def _local_document(args: argparse.Namespace, time_ms: int) -> GenesisDocument:
    """The --dir network, every option checked before a key is made."""
    if args.witness_pubkeys is not None:
        raise GenesisUsageError("--witness-pubkeys goes with --from-pubkeys; with --dir: --witness")
    if args.out is not None:
        raise GenesisUsageError(f"--out goes with --from-pubkeys; --dir writes DIR/{GENESIS_FILE}")
    validator_count = 3 if args.validators is None else args.validators
    _check_quorum_option(args.quorum, validator_count)
    return init_local_network(
        args.dir,
        validator_count=validator_count,
        genesis_time_ms=time_ms,
        witnesses=args.witness,
        witness_quorum=args.witness_quorum,
        chain_name=LOCAL_CHAIN_NAME if args.chain_name is None else args.chain_name,
        quorum=args.quorum,
    )


def _check_quorum_option(quorum: int | None, validator_count: int) -> None:
    """--quorum against the validators it is for: a usage error that names the option and
    the allowed range (exit 2), not the ValidatorSet's ProtocolError."""
    try:
        check_quorum(quorum, validator_count, name="--quorum")
    except GenesisError as error:
        raise GenesisUsageError(str(error)) from None


def _document_from_pubkeys(path: Path, args: argparse.Namespace, time_ms: int) -> GenesisDocument:
    if args.validators is not None:
        raise GenesisUsageError(
            "--validators goes with --dir; with --from-pubkeys the validators are the "
            "entries with the role validator"
        )
    names: dict[str, tuple[str, str]] = {}
    entries = _json_list(path)
    identities = [identity_from_json(entry) for entry in entries]
    validator_count = sum(1 for identity in identities if Role.VALIDATOR in identity.roles)
    if validator_count:  # none: genesis_from_identities says so
        _check_quorum_option(args.quorum, validator_count)
    _display_names(entries, names)
    return genesis_from_identities(
        identities,
        display_names=names,
        chain_name=CHAIN_NAME if args.chain_name is None else args.chain_name,
        genesis_time_ms=time_ms,
        quorum=args.quorum,
        witnesses=_witnesses_from_pubkeys(args, names),
    )


def _display_names(entries: Sequence[object], names: dict[str, tuple[str, str]]) -> None:
    """Add each entry's optional name_zh/name_en to names, by key name."""
    for entry in entries:
        if isinstance(entry, dict) and "name_zh" in entry:
            names[str(entry["name"])] = (str(entry["name_zh"]), str(entry.get("name_en", "")))


def _witnesses_from_pubkeys(
    args: argparse.Namespace, names: dict[str, tuple[str, str]]
) -> WitnessSet | None:
    """The witness policy of --witness-pubkeys; their display names are added to names
    (each witness is an institution too, ADR 0025)."""
    if args.witness:
        raise GenesisUsageError(
            "--witness NAME goes with --dir; with --from-pubkeys: --witness-pubkeys"
        )
    if args.witness_pubkeys is None:
        if args.witness_quorum is not None:
            raise GenesisUsageError("--witness-quorum needs --witness-pubkeys")
        return None
    entries = _json_list(args.witness_pubkeys)
    policy = witness_set([witness_from_json(entry) for entry in entries], args.witness_quorum)
    _display_names(entries, names)
    return policy


def _json_list(path: Path) -> Sequence[object]:
    try:
        entries = decode(path.read_bytes())
    except ProtocolError as error:
        raise GenesisError(f"{path}: {error}") from None
    if not isinstance(entries, list) or not entries:
        raise GenesisError(f"{path}: expected a JSON list of `keys new` outputs")
    return entries


def _parsed_genesis(data: bytes) -> GenesisDocument:
    try:
        return parse_genesis(data)
    except ProtocolError as error:
        raise GenesisError(f"invalid genesis: {error}") from None


def _run_genesis_verify(args: argparse.Namespace) -> int:
    try:
        document = parse_genesis(args.file.read_bytes())
    except ProtocolError as error:
        raise GenesisError(f"{args.file}: invalid genesis: {error}") from None
    summary = _genesis_summary(document)
    _print_summary(summary, compact=args.json, heading=f"{args.file}: VALID")
    return 0


def _genesis_summary(document: GenesisDocument) -> JsonObject:
    """Build everything that follows from the document; raises GenesisError if invalid."""
    try:
        genesis = build_genesis(document)
    except (ContractError, ProtocolError, ValueError) as error:
        raise GenesisError(f"invalid genesis: {error}") from None
    validators = document.validators
    return {
        "chain_id": genesis.chain_id.hex(),
        "chain_name": document.chain_name,
        "genesis_time_ms": document.genesis_time_ms,
        "state_root": genesis.header.state_root.hex(),
        "genesis_block_hash": genesis.header.block_hash().hex(),
        "validators_hash": validators.hash().hex(),
        "quorum": validators.quorum,
        "f_S": validators.max_safety_faults,
        "f_L": validators.max_liveness_faults,
        "validators": [v.to_json() for v in validators.validators],
        "institutions": [
            {"name": i.institution_id, "roles": list(i.roles), "name_en": i.name_en}
            for i in document.institutions
        ],
        "accounts": [a.account_id for a in document.accounts],
        **_witness_summary(document),
    }


def _witness_summary(document: GenesisDocument) -> JsonObject:
    """The witness policy, only when genesis names one (so older summaries stay as they were)."""
    if document.witnesses is None:
        return {}
    return {
        "witnesses": [w.to_json() for w in document.witnesses.witnesses],
        "witness_quorum": document.witnesses.quorum,
    }


def _print_summary(summary: JsonObject, *, compact: bool, heading: str) -> None:
    if compact:
        print(json.dumps(summary, ensure_ascii=False))
        return
    print(heading)
    print(f"chain_id       {summary['chain_id']}")
    print(f"state_root     {summary['state_root']}")
    validators = summary["validators"]
    assert isinstance(validators, list)
    print(f"validators     {len(validators)}, quorum {summary['quorum']}")
    for validator in validators:
        assert isinstance(validator, dict)
        print(f"  {validator['note_verifier_key']}")
    witnesses = summary.get("witnesses", [])
    assert isinstance(witnesses, list)
    if witnesses:
        print(f"witnesses      {len(witnesses)}, quorum {summary['witness_quorum']}")
    for witness in witnesses:
        assert isinstance(witness, dict)
        print(f"  {witness['name']} {witness['public_key']}")
    institutions = summary["institutions"]
    assert isinstance(institutions, list)
    for institution in institutions:
        assert isinstance(institution, dict)
        roles = institution["roles"]
        assert isinstance(roles, list)
        print(f"institution    {institution['name']:<26} {', '.join(map(str, roles))}")
