"""Typed errors of the client: node answers, unreachable nodes, bad local input.

ClientError
├── NodeError                 something went wrong talking to one node
│   ├── NodeUnreachableError    connection refused, DNS failure or timeout (carries url)
│   ├── NodeRejectedError       a 4xx/5xx answer: carries url, HTTP status, code and detail
│   ├── WrongChainError         the node serves another chain than the genesis file's
│   └── NodeResponseError       a 2xx answer that is not what the API promises
├── SubmitError               no node took the tx; carries every node's NodeError
├── NoNodeAnsweredError       no node of several answered a read; carries every NodeError
├── NodesNotInStepError       `query status`: some node named is unreachable or on another
│                             chain or head; carries each failing node's NodeError
├── LocalFileError            a local file that cannot be used (carries path)
│   ├── TxFileError             a tx file that cannot be read, parsed or written
│   └── AuditFileError          an audit state file (--state) `lantan audit` cannot use
├── CodedError                a failure callers tell apart by code (carries code and detail)
│   ├── TxInputError            a tx the client refuses to send: bad body, file or signature;
│   │                           code is an AdmissionReason-style name, as the node would answer
│   ├── ReceiptError            a receipt that does not verify (client/receipt/codes.py)
│   └── WitnessRefusedError     a checkpoint the witness does not cosign (client/witness/)
├── FontError                 no TrueType CJK font for the receipt PDF, or an unusable one
└── UsageError                arguments that contradict each other (exit code 2)

The CLI turns every ClientError into one line on stderr and a non-zero exit code.
"""

import enum
from collections.abc import Mapping
from typing import Generic, TypeVar

Code = TypeVar("Code", bound=enum.Enum | str)


class ClientError(Exception):
    """Base of every error client/ raises on purpose."""


class NodeError(ClientError):
    """A failure talking to one node."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.message = message
        """What went wrong, without the URL."""


class NodeUnreachableError(NodeError):
    """The node could not be reached at all (refused, unresolvable, timed out)."""


class WrongChainError(NodeError):
    """The node serves another chain than the genesis file's: a read of several nodes moves
    on to the next, as from an unreachable one (NodePool.first_answer)."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(url, message)
        self.args = (f"{url} {message}",)


class NodeRejectedError(NodeError):
    """The node answered with an error object {"error": {"code", "detail"}}."""

    def __init__(self, url: str, status_code: int, code: str, detail: str) -> None:
        message = f"{code} (HTTP {status_code})" + (f": {detail}" if detail else "")
        super().__init__(url, message)
        self.status_code = status_code
        self.code = code
        self.detail = detail


class NodeResponseError(NodeError):
    """A successful HTTP answer whose body does not follow the API contract."""


def served_other_text(what: str, asked: str, served: object) -> str:
    """A node's answer for another id than the one asked for, in words."""
    shown = f"{served[:16]}…" if isinstance(served, str) else "no id"
    return (
        f"asked for the {what} of {asked[:16]}…, it served the one of {shown}: a node that "
        "answers for another id (ask another node)"
    )


def failures_text(failures: Mapping[str, NodeError]) -> str:
    """Every node tried, each with why it failed; a reason all of them gave, once."""
    reasons = {error.message for error in failures.values()}
    if len(failures) > 1 and len(reasons) == 1:
        # Every node said the same (a bad signature, another network's tx, connection
        # refused): the reason once, then every node it came from.
        return f"{reasons.pop()} (all {len(failures)} nodes: {', '.join(failures)})"
    return "; ".join(str(error) for error in failures.values())


class SubmitError(ClientError):
    """No node accepted the tx; failures maps each node URL to its error."""

    def __init__(self, failures: Mapping[str, NodeError]) -> None:
        super().__init__(f"no node accepted the tx: {failures_text(failures)}")
        self.failures = dict(failures)


class NoNodeAnsweredError(ClientError):
    """A read asked every node given and none answered; failures maps each URL to its
    error. (With one node the pool raises that node's own NodeError.)"""

    def __init__(self, failures: Mapping[str, NodeError]) -> None:
        super().__init__(f"no node answered: {failures_text(failures)}")
        self.failures = dict(failures)


class NodesNotInStepError(ClientError):
    """Some of the nodes `query status` was given did not answer, serve another chain than
    the reference (chain_source), or hold another head at a height another node holds."""

    def __init__(
        self, failures: Mapping[str, NodeError], *, given: int, chain_id: str, chain_source: str
    ) -> None:
        super().__init__(
            f"{len(failures)} of {given} nodes not in step with chain {chain_id[:16]} "
            f"({chain_source}): {failures_text(failures)}"
        )
        self.failures = dict(failures)


class CodedError(ClientError, Generic[Code]):
    """A failure its callers tell apart by code (an enum member or a reason name); detail
    says how. The message is "CODE: detail"."""

    def __init__(self, code: Code, detail: str) -> None:
        super().__init__(f"{code.value if isinstance(code, enum.Enum) else code}: {detail}")
        self.code = code
        self.detail = detail


class TxInputError(CodedError[str]):
    """A tx refused before sending; code is the reason the node would have given."""


class LocalFileError(ClientError):
    """A local file that cannot be read, parsed or written; the message starts with its path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class TxFileError(LocalFileError):
    """A tx file (build, sign, submit, show) that cannot be read, parsed or written."""


class FontError(ClientError):
    """No TrueType CJK font was found for the receipt PDF, or the given one cannot be used."""


class AuditFileError(LocalFileError):
    """A saved-checkpoint file (--state) of `lantan audit` that cannot be read or written."""


class UsageError(ClientError):
    """Arguments that cannot work together; the CLI exits with code 2."""
