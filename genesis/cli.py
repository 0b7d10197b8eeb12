"""The `lantan genesis` command group: make a genesis file (a local network's with its keys,
or one from the institutions' gathered public keys) and check one. Thin I/O shell.

`register_genesis(subparsers)` is named by the `genesis` entry point in pyproject.toml
(`lantan keys` is genesis/keys_cli.py). Bad input ends with one line on stderr and exit
code 1, never a traceback; options that cannot work end with exit code 2, argparse's own
errors and GenesisUsageError alike (an option's value is checked where it is read: by its
argparse `type`, or once what it depends on, the number of validators, is known).
"""

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from contracts.errors import ContractError
from contracts.records import Role
from genesis.commands import (
    Subparsers,
    add_group,
    genesis_guarded,
    whole_number,
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
)
from genesis.keystore import (
    write_new_file,
)
from genesis.layout import GENESIS_FILE
from genesis.network import (
    LOCAL_CHAIN_NAME,
    check_quorum,
    genesis_from_identities,
    identity_from_json,
    init_local_network,
    witness_from_json,
    witness_set,
)
from protocol.cosignature import cosigner_verifier_key
from protocol.encoding import JsonObject, decode
from protocol.errors import ProtocolError
from protocol.witnesses import WitnessSet

CHAIN_NAME = "lantan-xiangshan"
"""chain_name of a genesis from gathered public keys unless --chain-name gives one."""
TIME_MS_MAX = 2**53 - 1
"""The largest genesis time the canonical encoding carries (integers below 2**53)."""


def register_genesis(subparsers: Subparsers) -> None:
    """Add `genesis init` and `genesis verify` (the `genesis` entry point)."""
    actions = add_group(subparsers, "genesis", "create and check a network's genesis file")
    init = actions.add_parser(
        "init",
        help="a local network (--dir) or a genesis from gathered public keys (--from-pubkeys)",
    )
    source = init.add_mutually_exclusive_group(required=True)
    source.add_argument("--dir", type=Path, help="make keys and DIR/genesis.json for a local net")
    source.add_argument(
        "--from-pubkeys",
        type=Path,
        metavar="FILE",
        help="JSON list printed by `keys new` (each entry may add name_zh and name_en, the "
        "institution's names on receipts and the web registry; else its key name)",
    )
    # No default here: --dir has one (3), --from-pubkeys refuses the option, and only
    # None tells "not given" from "given".
    init.add_argument("--validators", type=int, choices=(3, 4), help="with --dir: 3 (default) or 4")
    init.add_argument(
        "--out", type=Path, metavar="GENESIS", help="genesis file to write (with --from-pubkeys)"
    )
    init.add_argument(
        "--chain-name",
        type=_chain_name,
        metavar="NAME",
        help=f"default: {LOCAL_CHAIN_NAME} with --dir, {CHAIN_NAME} with --from-pubkeys",
    )
    init.add_argument("--quorum", type=int, metavar="Q", help="n/2 < Q <= n (default: n // 2 + 1)")
    init.add_argument(
        "--time-ms",
        type=whole_number(0, TIME_MS_MAX, "ms since the Unix epoch"),
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
        "--witness-quorum",
        type=whole_number(1),
        metavar="K",
        help="cosignatures a checkpoint needs (1)",
    )
    init.add_argument("--json", action="store_true", help="print the summary as JSON")
    init.set_defaults(handler=genesis_guarded("genesis init", _run_genesis_init))
    verify = actions.add_parser("verify", help="check a genesis file and print its chain id")
    verify.add_argument("file", type=Path)
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=genesis_guarded("genesis verify", _run_genesis_verify))


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
    _check_witness_quorum_option(args.witness_quorum, len(args.witness), "--witness NAME")
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


def _check_witness_quorum_option(quorum: int | None, witnesses: int, source: str) -> None:
    """--witness-quorum against the witnesses it is for, as --quorum against the validators:
    a usage error naming the option and its range (exit 2). witnesses is how many source
    names; with none, a quorum has nothing to count."""
    if quorum is None:
        return
    if witnesses == 0:
        raise GenesisUsageError(f"--witness-quorum {quorum}: no witness given ({source})")
    if quorum > witnesses:
        raise GenesisUsageError(
            f"--witness-quorum {quorum}: expected 1..{witnesses}, the witnesses given ({source})"
        )


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
    if entries:  # none: witness_set says the file names no witness
        _check_witness_quorum_option(args.witness_quorum, len(entries), "--witness-pubkeys")
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
        # The vkey is shown, never stored: genesis's witness entries (hashed into the chain
        # id) stay {name, public_key}; the vkey follows from them (PROTOCOL.md §10.1).
        "witnesses": [
            {**w.to_json(), "cosignature_verifier_key": cosigner_verifier_key(w.name, w.public_key)}
            for w in document.witnesses.witnesses
        ],
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
        print(f"    {witness['cosignature_verifier_key']}")
    institutions = summary["institutions"]
    assert isinstance(institutions, list)
    for institution in institutions:
        assert isinstance(institution, dict)
        roles = institution["roles"]
        assert isinstance(roles, list)
        print(f"institution    {institution['name']:<26} {', '.join(map(str, roles))}")
