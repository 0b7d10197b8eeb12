"""Tx files of the multi-party flow: build -> sign (by each party) -> submit (DESIGN.md §2).

A tx file is exactly the signed-tx JSON the node accepts, {"tx": {...}, "signatures": [...]},
with no signatures yet when it is built unsigned. Files are written indented and UTF-8
(Chinese names stay readable); what is signed is the canonical re-encoding, so the layout
does not matter. Writes go to a temporary file first, so a crash never leaves half a file.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from client.errors import TxFileError
from genesis.bounded_read import read_bounded
from genesis.durable import write_durably
from protocol.encoding import decode
from protocol.errors import ProtocolError
from protocol.signing import verify_signature
from protocol.tx import SignedTx

TX_FILE_SIZE_MAX: Final = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureCheck:
    """One signature of a tx file and whether it verifies over the tx's signing bytes."""

    public_key_hex: str
    valid: bool
    is_sender: bool


def read_tx_file(path: Path) -> SignedTx:
    """Parse a tx file; raises TxFileError naming what is wrong."""
    try:
        data = read_bounded(path, TX_FILE_SIZE_MAX)
    except OSError as error:
        raise TxFileError(str(path), f"cannot read: {error.strerror}") from None
    if data is None:
        raise TxFileError(str(path), f"larger than {TX_FILE_SIZE_MAX} bytes; not a tx file")
    try:
        return SignedTx.from_json(decode(data))
    except ProtocolError as error:
        raise TxFileError(str(path), f"not a Lantan tx file: {error}") from None


def write_tx_file(path: Path, signed: SignedTx, *, overwrite: bool) -> None:
    """Write signed to path atomically; refuse to replace a file unless overwrite."""
    text = json.dumps(signed.to_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        write_durably(path, text.encode("utf-8"), overwrite=overwrite, mode=None)
    except FileExistsError:
        raise TxFileError(str(path), "exists; choose another --out or pass --force") from None
    except OSError as error:
        raise TxFileError(str(path), f"cannot write: {error.strerror}") from None


def check_signatures(signed: SignedTx) -> tuple[SignatureCheck, ...]:
    """Every signature of the file, verified; the sender's is marked."""
    message = signed.tx.signing_bytes()
    return tuple(
        SignatureCheck(
            public_key_hex=entry.public_key.hex(),
            valid=verify_signature(entry.public_key, message, entry.signature),
            is_sender=entry.public_key == signed.tx.sender,
        )
        for entry in signed.signatures
    )
