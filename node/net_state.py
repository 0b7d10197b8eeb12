"""The state `lantan net status` reports for a node of a local network, from its pid file
(node/net_processes.py) and whether its API answered. Pure.

A process that lives is not enough: a node frozen (SIGSTOP), deadlocked or still starting
answers nothing, and calling it `running` hid that from operators and scripts.
"""

import enum

from node.net_processes import ProcessState


class NodeState(enum.Enum):
    """One node's state; the value is its `--json` spelling."""

    RUNNING = "running"
    """Its process lives and its API answered (ready or not: NodeView.ready says)."""
    NOT_ANSWERING = "not_answering"
    """Its process lives but its API did not answer within the status timeout: frozen,
    overloaded, or not serving yet."""
    EXITED = "exited"
    """Its process ended without `net stop` (crashed, killed, or stopped itself; its
    node.log says why)."""
    STOPPED = "stopped"
    """Not started, or stopped by `net stop` / `net down`."""

    @property
    def text(self) -> str:
        """The spelling of the text listing (`not answering`)."""
        return self.value.replace("_", " ")


def node_state(process: ProcessState, *, answered: bool) -> NodeState:
    """The node's state from its process's state and whether its API answered."""
    if process is ProcessState.EXITED:
        return NodeState.EXITED
    if process is ProcessState.STOPPED:
        return NodeState.STOPPED
    return NodeState.RUNNING if answered else NodeState.NOT_ANSWERING
