"""`lantan query status`: one node's view, and with several nodes each one's head, checked.

Every node named is asked once (side by side) and judged against one chain: the --genesis
FILE|CHAIN_ID when given, else the chain of the first node that answers. A node fails the
check when it cannot be asked, serves another chain, or holds another head at a height an
earlier node of the list holds (a fork: one chain has one block per height). The output is
printed first (the record of the first node in step, then the table of every node); then,
if any node failed, one line on stderr naming each and EXIT_FAILURE, so that an auditor's
script stops on it (stop 51: it exited 0).
"""

import argparse
from typing import Any, Final

from client.cli.support import EXIT_OK, print_json
from client.cli.tables import render_record, render_table
from client.errors import NodeError, NodesNotInStepError, NoNodeAnsweredError, WrongChainError
from client.genesis_file import ExpectedChain
from client.node_pool import NodePool, node_urls
from protocol.encoding import JsonObject

HEAD_FIELDS: Final = ("node", "height", "head_hash", "state_root")


def run_status(args: argparse.Namespace) -> int:
    expected: ExpectedChain | None = args.genesis
    with NodePool(node_urls(args.node)) as pool:
        answers = pool.every_answer(lambda client: client.status())
        urls = [client.url for client in pool.clients]
    chain_id, source = _reference(urls, answers, expected)
    judged = judge_statuses(urls, answers, chain_id)
    failures = {
        url: answer
        for url, answer in zip(urls, judged, strict=True)
        if isinstance(answer, NodeError)
    }
    if all(isinstance(answer, NodeError) for answer in answers):
        # Nothing answered at all: said as every read of the nodes says it.
        raise failures[urls[0]] if len(urls) == 1 else NoNodeAnsweredError(failures)
    record = next((answer for answer in judged if not isinstance(answer, NodeError)), None)
    if record is not None:
        _print_status(dict(record), urls, judged, as_json=args.json)
    if failures:
        assert chain_id is not None, "a node answered: the reference is its chain"
        raise NodesNotInStepError(failures, given=len(urls), chain_id=chain_id, chain_source=source)
    return EXIT_OK


def _reference(
    urls: list[str], answers: list[JsonObject | NodeError], expected: ExpectedChain | None
) -> tuple[str | None, str]:
    """The chain id every node is compared with, and where it came from."""
    if expected is not None:
        return expected.chain_id.hex(), expected.source
    for url, answer in zip(urls, answers, strict=True):
        if not isinstance(answer, NodeError):
            return str(answer.get("chain_id")), f"the first node that answered, {url}"
    return None, "no node answered"


def judge_statuses(
    urls: list[str], answers: list[JsonObject | NodeError], chain_id: str | None
) -> list[JsonObject | NodeError]:
    """Each node's status, or why it fails the check: its own error, a WrongChainError for
    another chain than chain_id, a NodeError for another head than the first node (in the
    order given) at the same height."""
    judged: list[JsonObject | NodeError] = []
    heads: dict[object, tuple[object, str]] = {}
    for url, answer in zip(urls, answers, strict=True):
        if isinstance(answer, NodeError):
            judged.append(answer)
        elif answer.get("chain_id") != chain_id:
            served = answer.get("chain_id")
            judged.append(WrongChainError(url, f"serves another chain: {served}"))
        else:
            height, head = answer.get("height"), answer.get("head_hash")
            first_head, first_url = heads.setdefault(height, (head, url))
            if head == first_head:
                judged.append(answer)
            else:
                message = f"another head at height {height} than {first_url}: {head}"
                judged.append(NodeError(url, message))
    return judged


def _print_status(
    status: dict[str, Any], urls: list[str], judged: list[JsonObject | NodeError], *, as_json: bool
) -> None:
    if as_json:
        print_json(status)
        return
    validators = status.pop("validators", [])
    print(render_record(status))
    print(render_table(validators, ("name", "public_key", "note_verifier_key")))
    if len(urls) > 1:
        rows = [_row(url, answer) for url, answer in zip(urls, judged, strict=True)]
        first = next(row["url"] for row in rows if "error" not in row)
        print(f"\neach node ({len(rows)} given; the details above are from {first}):")
        print(render_table(rows, ("url", *HEAD_FIELDS, "error")))


def _row(url: str, answer: JsonObject | NodeError) -> dict[str, Any]:
    if isinstance(answer, NodeError):
        return {"url": url, "error": answer.message}
    return {"url": url} | {name: answer.get(name) for name in HEAD_FIELDS}
