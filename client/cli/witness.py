"""`lantan witness`: run a witness against the nodes' public API (ADR 0021). I/O shell.

Each round reads every node's newest checkpoint, checks it (client/witness/check.py), keeps
it durably as the last cosigned checkpoint, and posts the cosignature to every node. A
refused checkpoint is an error line on stderr naming its evidence file; `--once` then
exits 1. The loop keeps running after a refusal (it never cosigns that tree, and the other
nodes may still serve the honest one).

With `--announce URL` the witness first sends node.announce for its own key (ADR 0025),
unless the chain already holds that address for it (client/witness/announce.py). A refusal
is one warning line and the rounds go on; a node that could not be reached or a tx not yet
committed is tried again before the next round. With `--learn-validators` each round also
follows the nodes the current validators announced on chain (client/witness/discovery.py).

--state and --interval-s are checked when the arguments are parsed (exit 2), as --genesis is
(client/genesis_file.py): before a key is unlocked, a node asked or a checkpoint cosigned.
"""

import argparse
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Final

from client.cli.support import EXIT_FAILURE, EXIT_OK, Subparsers, add_node_option, guarded
from client.errors import ClientError, UsageError
from client.genesis_file import GenesisFile, add_genesis_option
from client.node_pool import NodePool, node_urls
from client.tx.signing_keys import UnlockedKey, unlock_key
from client.witness.announce import Announced, announce_once
from client.witness.discovery import LearnedNodes, announced_validator_urls
from client.witness.rounds import (
    INTERVAL_S_DEFAULT,
    RoundOutcome,
    WitnessIdentity,
    find_identity,
    run_round,
)
from contracts.records import check_node_address
from genesis.document import GenesisDocument
from protocol.errors import ProtocolError

INTERVAL_S_MIN: Final = 0.1
"""A round reads every node's checkpoint and posts to each; a checkpoint changes at most once
a block, so rounds closer than this only load the nodes (0 looped with no pause at all)."""
INTERVAL_S_MAX: Final = 86_400.0
"""A day, as --timeout-ms allows: a receipt waits for its checkpoint's cosignatures, so a
longer pause is a typo (and inf, or nan, ended the loop in a ValueError after one round)."""


def register_witness(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "witness", help="cosign checkpoints after checking they extend those seen before"
    )
    add_genesis_option(parser, required=True, help="the network's genesis file")
    parser.add_argument(
        "--key",
        metavar="DIR|FILE",
        required=True,
        type=Path,
        help="the witness's keystore (its public key is in genesis)",
    )
    parser.add_argument("--passphrase-file", metavar="FILE", type=Path)
    parser.add_argument(
        "--state",
        metavar="DIR",
        required=True,
        type=state_directory_argument,
        help="keeps the last cosigned checkpoint and any evidence files (made if missing; "
        "its parent directory must exist)",
    )
    add_node_option(parser)
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument(
        "--interval-s",
        type=interval_s_argument,
        default=INTERVAL_S_DEFAULT,
        metavar="S",
        help=f"seconds between rounds, {INTERVAL_S_MIN:g} to {INTERVAL_S_MAX:g} "
        f"(default: {INTERVAL_S_DEFAULT:g})",
    )
    parser.add_argument(
        "--announce",
        metavar="URL",
        help="announce this witness's address on chain once (node.announce signed by its key; "
        "http[s]://host:port); skipped when the chain already has it",
    )
    parser.add_argument(
        "--learn-validators",
        action="store_true",
        help="also follow the node addresses the current validators announced on chain, "
        "so a validator added later is cosigned for without a restart",
    )
    parser.set_defaults(handler=guarded("witness", run_witness))


def state_directory_argument(text: str) -> Path:
    """argparse `type` of --state: a directory, or a new one in a directory that exists (the
    first round makes it). A file there, or above it, had ended the first round in a
    traceback; a missing parent is refused rather than made, so that a typo'd path does not
    silently start a new state (and a new consistency record) in a new tree."""
    path = Path(text)
    parent = path.absolute().parent
    try:
        if path.exists() and not path.is_dir():
            raise argparse.ArgumentTypeError(
                f"{text}: not a directory (the witness keeps its last cosigned checkpoint and "
                "evidence files in it); name a directory, or a new one in a directory that exists"
            )
        if path.exists():
            return path
        if parent.exists() and not parent.is_dir():
            raise argparse.ArgumentTypeError(f"{text}: cannot be made: {parent} is not a directory")
    except OSError as error:
        raise argparse.ArgumentTypeError(f"{text}: cannot use: {error.strerror}") from None
    if not parent.exists():
        raise argparse.ArgumentTypeError(
            f"{text}: cannot be made: its parent directory {parent} does not exist (a typo? "
            "make it first if it is meant)"
        )
    return path


def interval_s_argument(text: str) -> float:
    """argparse `type` of --interval-s: finite seconds from INTERVAL_S_MIN to INTERVAL_S_MAX."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # nan fails every comparison, so this refuses it with the infinities and the negatives.
    if not INTERVAL_S_MIN <= value <= INTERVAL_S_MAX:
        raise argparse.ArgumentTypeError(
            f"expected seconds from {INTERVAL_S_MIN:g} to {INTERVAL_S_MAX:g} (a day), not {text!r}"
        )
    return value


def run_witness(args: argparse.Namespace) -> int:
    document = args.genesis.document
    if args.announce is not None:
        try:
            check_node_address(args.announce)
        except ProtocolError as error:
            raise UsageError(f"--announce {args.announce!r}: {error}") from None
    unlocked = unlock_key(args.key, passphrase_file=args.passphrase_file)
    identity = _identity(args.genesis, unlocked)
    try:
        args.state.mkdir(exist_ok=True)
    except OSError as error:  # not a parsing matter: permissions, or a race with another writer
        raise UsageError(f"--state {args.state}: cannot make it: {error.strerror}") from None
    with NodePool(node_urls(args.node)) as pool:
        followed = LearnedNodes(pool.clients)
        announcing = args.announce is not None
        try:
            while True:
                if announcing:
                    announcing = _announce(pool, unlocked, args.announce, document)
                if args.learn_validators:
                    _learn(followed)
                outcome = run_round(
                    followed.nodes, document=document, identity=identity, state_dir=args.state
                )
                report(identity.witness.name, outcome)
                if args.once:
                    return EXIT_FAILURE if outcome.refused or not outcome.cosigned else EXIT_OK
                time.sleep(args.interval_s)
        finally:
            followed.close()


def _identity(genesis: GenesisFile, unlocked: UnlockedKey) -> WitnessIdentity:
    """The key's witness entry in genesis; when there is none, the usual cause is a genesis
    file of another network, so the error names both, as `lantan verify receipt` does."""
    identity = find_identity(genesis.document, unlocked.key)
    if identity is not None:
        return identity
    witnesses = genesis.document.witnesses
    names = "none" if witnesses is None else ", ".join(w.name for w in witnesses.witnesses)
    raise ClientError(
        f"key {unlocked.key.public_key.hex()[:16]}… is not a witness named in {genesis.path} "
        f"(witnesses: {names}; chain {genesis.chain_id.hex()[:16]}): wrong genesis file "
        "(another network's), or not this network's witness key"
    )


def _learn(followed: LearnedNodes) -> None:
    urls = announced_validator_urls(followed.nodes)
    if urls is not None:
        for url in followed.update(urls):
            _say(f"lantan witness: following validator node {url} (announced on chain)")


def _announce(pool: NodePool, key: UnlockedKey, url: str, document: GenesisDocument) -> bool:
    """One attempt at node.announce; True when the next round should try again."""
    outcome = announce_once(pool, key=key, address=url, chain_id=document.chain_id())
    if outcome.result is Announced.DONE:
        _say(f"lantan witness: {outcome.message}")
        return False
    _say(f"lantan witness: warning: {outcome.message}", error=True)
    return outcome.result is Announced.RETRY


def report(name: str, outcome: RoundOutcome) -> None:
    for line in outcome.refused:
        _say(f"lantan witness: error: refused {line}", error=True)
    for line in outcome.errors:
        _say(f"lantan witness: warning: {line}", error=True)
    if outcome.cosigned:
        _say(f"{name} cosigned {cosigned_text(outcome.cosigned)}")


def cosigned_text(sizes: tuple[int, ...]) -> str:
    """A round's cosigned sizes, one per node, as `size 5 at 3 nodes` (the nodes mostly
    serve one size; 'size 5, 5, 5' read as three checkpoints)."""
    counts = Counter(sizes)
    return "; ".join(
        f"size {size} at {count} node{'s' if count > 1 else ''}"
        for size, count in sorted(counts.items())
    )


def _say(text: str, *, error: bool = False) -> None:
    """One line of the witness's output, stamped with the UTC time: the loop runs for
    months with its output in a log file (`lantan net` writes witness.log), where a line
    without its time tells an operator nothing of when a refusal or an outage was."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(f"{stamp} {text}", file=sys.stderr if error else sys.stdout, flush=True)
