"""Short ids as input: a unique prefix of a tx or retirement id (>= 8 hex digits).

Tables print ids shortened (client/cli/tables.py), so an operator copies a prefix; every
command that takes a full id takes a prefix too. The nodes only answer full ids, so the
prefix is matched here against what the node lists: retirements from /v1/retirements, tx
ids from /v1/txs?prefix= (from the committed blocks, newest first, on a node without it).
No match and several matches are errors that say so; a full 64-digit id is passed through
(in lower case), and text that is neither is refused here, before any node is asked.
"""

import enum
from collections.abc import Iterable, Iterator
from typing import Final

from client.api import NodeClient
from client.errors import ClientError, NodeRejectedError, UsageError
from protocol.errors import ProtocolError
from protocol.tx import SignedTx

ID_HEX_DIGITS: Final = 64
PREFIX_DIGITS_MIN: Final = 8
HEX: Final = frozenset("0123456789abcdef")
AMBIGUOUS_SHOWN: Final = 5


class IdPrefixError(ClientError):
    """A prefix that matches no id, or several."""


class IdForm(enum.Enum):
    """What a piece of text is, taken as a tx or retirement id (both are hashes)."""

    FULL = "full"
    PREFIX = "prefix"
    TOO_SHORT = "too_short"
    """Hex, but fewer than PREFIX_DIGITS_MIN digits: too many ids would match."""
    NOT_AN_ID = "not_an_id"
    """Empty, not hex, or longer than an id."""


def id_form(text: str) -> tuple[IdForm, str]:
    """What text is as an id, and the id or prefix it names in lower case (a trailing … of a
    shortened id dropped). The one reading of typed ids: the CLI's and the checker page's."""
    cleaned = text.strip().rstrip("…").rstrip(".").lower()
    if not cleaned or not set(cleaned) <= HEX or len(cleaned) > ID_HEX_DIGITS:
        return IdForm.NOT_AN_ID, cleaned
    if len(cleaned) == ID_HEX_DIGITS:
        return IdForm.FULL, cleaned
    if len(cleaned) < PREFIX_DIGITS_MIN:
        return IdForm.TOO_SHORT, cleaned
    return IdForm.PREFIX, cleaned


def id_or_prefix(text: str, what: str) -> tuple[str, bool]:
    """(the id or prefix text names, in lower case; whether it is a prefix). UsageError for
    anything else: text that is not hex, or longer than an id, can only be a mistake (a
    node would answer it with BAD_ID)."""
    form, cleaned = id_form(text)
    if form is IdForm.NOT_AN_ID:
        raise UsageError(
            f"{what} id {text!r}: expected {ID_HEX_DIGITS} hex digits, or a unique prefix of "
            f"at least {PREFIX_DIGITS_MIN}"
        )
    if form is IdForm.TOO_SHORT:
        raise UsageError(
            f"{what} id {text!r} is too short: give the full id or at least "
            f"{PREFIX_DIGITS_MIN} hex digits"
        )
    return cleaned, form is IdForm.PREFIX


def match_prefix(prefix: str, candidates: Iterable[str], what: str) -> str:
    """The one candidate that starts with prefix; IdPrefixError for none or several."""
    matches = sorted({c for c in candidates if c.startswith(prefix)})
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise IdPrefixError(f"no {what} id starts with {prefix}")
    shown = ", ".join(m[:16] for m in matches[:AMBIGUOUS_SHOWN])
    more = f" and {len(matches) - AMBIGUOUS_SHOWN} more" if len(matches) > AMBIGUOUS_SHOWN else ""
    raise IdPrefixError(
        f"{prefix} is ambiguous: {len(matches)} {what} ids start with it ({shown}{more}); "
        "give more digits"
    )


def resolve_retirement_id(client: NodeClient, text: str) -> str:
    """The retirement id text names: itself, or the one it is a prefix of."""
    cleaned, is_prefix = id_or_prefix(text, "retirement")
    if not is_prefix:
        return cleaned
    ids = (str(item.get("retirement_id")) for item in client.iterate("/v1/retirements"))
    return match_prefix(cleaned, ids, "retirement")


def resolve_tx_id(client: NodeClient, text: str) -> str:
    """The tx id text names: itself, or the one committed tx id it is a prefix of: the
    node's `GET /v1/txs?prefix=` (one seek in its tx index), else, from a node without that
    route, every block read (one request per block: 42 s at height 1,000, stop 55)."""
    cleaned, is_prefix = id_or_prefix(text, "tx")
    if not is_prefix:
        return cleaned
    try:
        answer = client.get_json("/v1/txs", params={"prefix": cleaned})
    except NodeRejectedError as error:
        if error.status_code not in (404, 405):
            raise
        return match_prefix(cleaned, _committed_tx_ids(client), "committed tx")
    ids = answer.get("tx_ids") if isinstance(answer, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ClientError(f"{client.url}: /v1/txs answered no list of tx ids")
    if answer.get("more") is True:
        shown = ", ".join(i[:16] for i in ids[:AMBIGUOUS_SHOWN])
        raise IdPrefixError(
            f"{cleaned} is ambiguous: more than {len(ids)} committed tx ids start with it"
            f" ({shown}, ...); give more digits"
        )
    return match_prefix(cleaned, ids, "committed tx")


def _committed_tx_ids(client: NodeClient) -> Iterator[str]:
    height = client.status().get("height")
    if not isinstance(height, int):
        return
    for at in range(height, 0, -1):
        block = client.get_json(f"/v1/blocks/{at}")
        txs = block.get("block", {}).get("txs", []) if isinstance(block, dict) else []
        for raw in txs:
            try:
                yield SignedTx.from_json(raw).tx_id.hex()
            except ProtocolError:
                continue
