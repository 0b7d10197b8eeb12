"""The genesis file a client command is given with --genesis: read, parsed and derived once.

Every command that takes --genesis (tx, verify, receipt, auction verify, witness, audit)
reads it here, at argument parsing, before any key is unlocked or node asked. So a file
that is missing, unreadable or not a genesis file is the same usage error (exit 2) with
the same words in each: `argument --genesis: FILE: cannot read: ...` or `argument
--genesis: FILE: not a genesis file: ...`. A valid genesis of another network is not a
usage error: the command's own check reports it (a receipt that does not verify, a node
on another chain: `require_same_chain`, asked before a command reads a node's records).
A command that only compares chains (`query status`) also takes the chain id itself, 64
lowercase hex digits, for an auditor who holds the hash rather than the file
(`add_genesis_option(..., chain_id_allowed=True)`).
"""

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from client.api import NodeClient
from client.errors import UsageError, WrongChainError
from protocol.errors import ProtocolError
from protocol.fields import parse_hex
from protocol.hashing import Hash32

if TYPE_CHECKING:
    from genesis.document import Genesis, GenesisDocument


@dataclass(frozen=True, slots=True)
class GenesisFile:
    """A genesis file as read: its bytes (what an offline verifier is handed) and what they
    define."""

    path: Path
    raw: bytes
    genesis: "Genesis"

    @property
    def document(self) -> "GenesisDocument":
        return self.genesis.document

    @property
    def chain_id(self) -> Hash32:
        return self.genesis.chain_id


def read_genesis_file(path: Path) -> GenesisFile:
    """The genesis file at path; UsageError if it cannot be read or defines no genesis
    (malformed JSON, a field missing or unknown, an unsupported protocol version)."""
    # Imported here, not at the top: it loads contracts and consensus (~0.2 s of CPU), and
    # `lantan query` imports this module for query status's --genesis (test_import_cost.py).
    from genesis.document import build_genesis, parse_genesis

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        genesis = build_genesis(parse_genesis(raw))
    except (ProtocolError, ValueError) as error:
        raise UsageError(f"{path}: not a genesis file: {error}") from None
    return GenesisFile(path=path, raw=raw, genesis=genesis)


def genesis_argument(text: str) -> GenesisFile:
    """argparse `type` of --genesis: argparse reports the error with the option's name and
    exits 2, as for any argument that cannot work."""
    try:
        return read_genesis_file(Path(text))
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@dataclass(frozen=True, slots=True)
class ExpectedChain:
    """The chain a --genesis FILE|CHAIN_ID names: its id, and where it came from (the file's
    path, or that the id was given), for the messages that compare a node with it."""

    chain_id: Hash32
    source: str


def chain_argument(text: str) -> ExpectedChain:
    """argparse `type` of a --genesis that takes a genesis file or a chain id: 64 lowercase
    hex digits name a chain unless a file of that name exists; anything else is a file."""
    if len(text) == 64 and not Path(text).exists():
        try:
            chain_id = Hash32(parse_hex(text, "chain id", size=32))
        except ProtocolError:
            pass  # not a chain id: read as a file name, whose error names the file
        else:
            return ExpectedChain(chain_id=chain_id, source="the chain id given")
    file = genesis_argument(text)
    return ExpectedChain(chain_id=file.chain_id, source=str(file.path))


def add_genesis_option(
    parser: argparse.ArgumentParser,
    *,
    help: str,
    required: bool = False,
    chain_id_allowed: bool = False,
) -> None:
    """--genesis FILE, read when the arguments are parsed (module docstring); with
    chain_id_allowed, --genesis FILE|CHAIN_ID, parsed to an ExpectedChain."""
    parser.add_argument(
        "--genesis",
        metavar="FILE|CHAIN_ID" if chain_id_allowed else "FILE",
        type=chain_argument if chain_id_allowed else genesis_argument,
        required=required,
        help=help,
    )


def require_same_chain(node: NodeClient, genesis: GenesisFile) -> None:
    """ClientError when node serves another chain than the genesis file's: asked first, so
    that a mixed-up file or node is said as such, not as a tx, receipt, case or lot the
    node does not have."""
    require_chain(node, genesis.chain_id, str(genesis.path))


def require_chain(node: NodeClient, chain_id: Hash32, genesis_name: str) -> None:
    """require_same_chain for a caller that holds the genesis's chain id, not its file."""
    served = node.status().get("chain_id")
    ours = chain_id.hex()
    if served != ours:
        raise WrongChainError(
            node.url,
            f"serves chain {str(served)[:16]}, but {genesis_name} is chain "
            f"{ours[:16]}: wrong genesis file, or another network's node",
        )
