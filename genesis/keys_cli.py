"""The `lantan keys` command group: make, show, check and rotate an institution's keys.
Thin I/O shell.

It parses arguments, reads passphrases and prints; keys, sealing and files are the work of
genesis/keystore.py. `register_keys(subparsers)` is named by the `keys` entry point in
pyproject.toml (`lantan genesis` is genesis/cli.py). Bad input ends with one line on stderr
and exit code 1, never a traceback; options that cannot work end with exit code 2
(genesis/commands.py genesis_guarded).
"""

import argparse
import getpass
import json
import sys
from pathlib import Path

from contracts.records import Role
from genesis.commands import (
    Subparsers,
    add_group,
    genesis_guarded,
    read_passphrase_file_warned,
)
from genesis.errors import (
    GenesisError,
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
)
from genesis.layout import PASSPHRASE_FILE, SIGNER_STATE_FILE

PASSPHRASE_LENGTH_ADVISED = 12
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
    parser.set_defaults(handler=genesis_guarded("keys rotate", _run_keys_rotate))


def _add_keys_new(actions: Subparsers) -> None:
    parser = actions.add_parser(
        "new",
        help="generate a key: DIR/keystore.json and DIR/signer_state.json",
        description="Generate an Ed25519 key, seal it under a passphrase (Argon2id + "
        "XSalsa20-Poly1305) and write the initial signer state beside it. Prints the "
        "public part as JSON {name, roles, public_key, note_verifier_key}.",
    )
    parser.add_argument("--name", required=True, help="key name: no spaces, no '+'")
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="the key directory to write (keystore.json and signer_state.json; never overwritten)",
    )
    parser.add_argument(
        "--roles",
        metavar="R1,R2",
        default="",
        help="comma-separated, e.g. issuer,validator; any of "
        + ", ".join(role.value for role in Role),
    )
    _add_new_key_options(parser)
    parser.set_defaults(handler=genesis_guarded("keys new", _run_keys_new))


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
    parser.set_defaults(handler=genesis_guarded("keys show", _run_keys_show))


def _add_keys_check(actions: Subparsers) -> None:
    parser = actions.add_parser("check", help="check that a passphrase unlocks a keystore")
    parser.add_argument("path", type=Path, metavar="DIR", help="key directory or keystore file")
    _add_secret_options(parser, plaintext="accept a plaintext development keystore")
    parser.set_defaults(handler=genesis_guarded("keys check", _run_keys_check))


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
    # Names as text (测试渔业合作社), not \u escapes, as every other command prints them.
    indent = None if compact else 2
    print(json.dumps(public_part, ensure_ascii=False, indent=indent))
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
