"""`lantan net up|status|stop|start|down|add-observer`: a local multi-process network. Thin
I/O shell."""

import argparse
import json
import sys
from pathlib import Path
from typing import Final

from client.cli.progress import spinner
from client.cli.tables import display_width, shorten
from client.shown_text import shown
from genesis.commands import (
    DefaultsHelpFormatter,
    Handler,
    Subparsers,
    add_group,
    guarded,
    port_argument,
)
from genesis.errors import GenesisError
from genesis.layout import GENESIS_FILE
from node.config import ConfigError
from node.extra import require_server_extra
from node.net import (
    BASE_PORT,
    QuorumShortfall,
    net_down,
    net_start,
    net_up,
    quorum_shortfall,
    start_witness,
)
from node.net_layout import is_witness, require_network, require_node
from node.net_observer import net_add_observer
from node.net_processes import (
    LOG_FILE,
    PID_FILE,
    WITNESS_LOG_FILE,
    WITNESS_PID_FILE,
    NetError,
    NetUsageError,
    ProcessState,
    process_state,
    stop_process,
)
from node.net_state import NodeState
from node.net_views import (
    STATUS_TIMEOUT_S,
    HeadAgreement,
    NodeView,
    StatusClients,
    WitnessView,
    head_agreement,
    net_status,
    witness_views,
)

require_server_extra()  # these commands run the server: refuse without the node extra

DIR_HELP = "the network directory (genesis.json, one folder per node)"
JSON_HELP = "print one JSON document"
EXIT_NOT_ALL_UP: Final = 3
"""`net status`: the listing is printed, and some node is not ready (stopped, exited, not
answering, catching up, or answering but not ready), or some witness is not running (a
script's health check)."""
NOT_READY: Final = "not ready"
PROBLEM_SHOWN: Final = 60
"""Columns a /readyz problem takes at most in the listing (stderr and --json give it whole)."""


def register_net(subparsers: Subparsers) -> None:
    actions = add_group(
        subparsers,
        "net",
        "run a local network of validator (and observer) processes",
        description="A local network on 127.0.0.1: one node process per validator or "
        "observer, detached, recorded in DIR/<node>/node.pid.",
    )
    defaults = DefaultsHelpFormatter
    up = actions.add_parser(
        "up",
        help="create (if needed) and start every validator (and its witnesses, observers)",
        description="Make genesis and keystores in DIR if it has none, then start every "
        "validator and wait until each serves this network's chain at height >= 1. Every "
        "port is checked first: a port in use is an error, nothing is started. Then the "
        "witnesses and the observers (net add-observer) DIR holds are started too.",
        formatter_class=defaults,
    )
    up.add_argument("--dir", type=Path, required=True, help=DIR_HELP)
    up.add_argument(
        "--validators", type=int, choices=(3, 4), default=3, help="validators of a new network"
    )
    up.add_argument(
        "--base-port",
        type=port_argument,
        default=BASE_PORT,
        metavar="P",
        help="the first validator's port; the others follow (a new network only)",
    )
    up.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="NAME",
        help="a new network only: make witness NAME's key (DIR/NAME), name it in genesis "
        "(one cosignature required) and run `lantan witness` with it (repeatable)",
    )
    up.add_argument("--json", action="store_true", help=JSON_HELP)
    up.set_defaults(handler=_guard("up", _run_up))
    status = actions.add_parser(
        "status",
        help="state, height and head of every node",
        description="Each node's state: ready, catching up (it becomes ready once caught "
        "up), not ready (its API answers, its /readyz does not: the line says why), not "
        f"answering (its process lives, its API does not answer within {STATUS_TIMEOUT_S:g} "
        "s), exited (its process ended without net stop: see its node.log) or stopped; and "
        "a line when fewer validators than the quorum are ready. Exit 0 when every node is "
        f"ready and every witness runs, else {EXIT_NOT_ALL_UP}. "
        "Nodes on other hosts (a network across institutions, docs/OPERATIONS.md): "
        "`lantan query status --node URL,URL,...` shows each one's chain, height and head.",
    )
    status.add_argument("--dir", type=Path, required=True, help=DIR_HELP)
    status.add_argument("--json", action="store_true", help=JSON_HELP)
    status.set_defaults(handler=_guard("status", _run_status))
    for name, helptext in (
        ("stop", "stop one node or witness"),
        ("start", "start one node (wait for it) or witness"),
    ):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("node", help="the node's or witness's name (its folder in DIR)")
        action.add_argument("--dir", type=Path, required=True, help=DIR_HELP)
        action.add_argument("--json", action="store_true", help=JSON_HELP)
        action.set_defaults(handler=_guard(name, _run_stop if name == "stop" else _run_start))
    observer = actions.add_parser(
        "add-observer",
        help="add an observer node to a running network and wait until it caught up",
        description="Write DIR/NAME/node.toml for an observer (it syncs blocks and serves the "
        "API, never votes; every validator as a peer, the network's genesis), start it and "
        "wait until it has caught up with the validators. `net status`, `stop`, `start` and "
        "`down` then handle it by NAME.",
    )
    observer.add_argument("name", metavar="NAME", help="its name and folder in DIR (a slug)")
    observer.add_argument("--dir", type=Path, required=True, help=DIR_HELP)
    observer.add_argument(
        "--port",
        type=port_argument,
        metavar="P",
        help="its port (default: the first free one above the network's)",
    )
    observer.add_argument("--json", action="store_true", help=JSON_HELP)
    observer.set_defaults(handler=_guard("add-observer", _run_add_observer))
    down = actions.add_parser("down", help="stop every node (data is kept)")
    down.add_argument("--dir", type=Path, required=True, help=DIR_HELP)
    down.set_defaults(handler=_guard("down", _run_down))


def _guard(action: str, handler: Handler) -> Handler:
    expected = (NetError, GenesisError, ConfigError, OSError, KeyboardInterrupt)
    return guarded(f"net {action}", handler, expected, usage=(NetUsageError,))


def _print(
    views: list[NodeView],
    as_json: bool,
    witnesses: list[WitnessView],
    agreement: HeadAgreement | None = None,
    shortfall: QuorumShortfall | None = None,
) -> None:
    if as_json:
        document: dict[str, object] = {"nodes": [v.to_json() for v in views]}
        if witnesses:
            document["witnesses"] = [w.to_json() for w in witnesses]
        if agreement is not None:
            document["agreement"] = agreement.to_json()
        if shortfall is not None:
            document["cannot_commit"] = shortfall.to_json()
        print(json.dumps(document))
        return
    for v in views:
        head = (v.head_hash or "-")[:16]
        print(
            f"{v.name:<20} {v.url:<24} pid {v.pid or '-':<8} {_state_text(v):<13} "
            f"height {v.height if v.height is not None else '-':<6} head {head}"
            + ("  observer" if v.observer else "")
            + (f"  catching up to {v.catching_up.target}" if v.catching_up else "")
            + (f"  why: {_why(v)}" if _state_text(v) == NOT_READY else "")
        )
    for w in witnesses:
        print(f"witness {w.name}: pid {w.pid or '-'}, {w.state.value}")
    if agreement is not None:
        print(agreement.text())
    if shortfall is not None:
        print(shortfall.cannot_commit())


def _why(view: NodeView) -> str:
    """Its /readyz problems in the listing, each whole up to PROBLEM_SHOWN columns; a longer
    one is its first clause (what follows a ', ' explains it: `no progress: no commit for
    96 s, an idle chain's heartbeat ...`), cut at PROBLEM_SHOWN if still longer."""
    return "; ".join(_problem_shown(p) for p in view.not_ready_because)


def _problem_shown(text: str) -> str:
    problem = shown(text)  # a node's words: shown, never obeyed (client/shown_text.py)
    if display_width(problem) > PROBLEM_SHOWN and ", " in problem:
        problem = problem.split(", ", 1)[0] + "…"
    return shorten(problem, PROBLEM_SHOWN)


def _state_text(view: NodeView) -> str:
    """The state column: `ready`, `catching up` (running, its /readyz says so: the one rule,
    SyncState.catching_up), `not ready` (running, its /readyz says why not), else the
    state's own text."""
    if view.state is NodeState.RUNNING and view.ready:
        return "ready"
    if view.state is NodeState.RUNNING and view.catching_up is not None:
        return "catching up"
    if view.state is NodeState.RUNNING:
        return NOT_READY
    return view.state.text


def _not_up(views: list[NodeView], witnesses: list[WitnessView]) -> list[str]:
    """`NAME STATE` of each node not ready and each witness not running.

    A node catching up counts: it is expected to become ready, but until then it serves an
    old state and does not vote, and `net start` and `net up` wait for exactly this
    readiness too, so a health check that passes means what they mean by done."""
    nodes = [f"{v.name} {_state_text(v)}" for v in views if not _ready(v)]
    down = [w for w in witnesses if w.state is not ProcessState.RUNNING]
    return nodes + [f"witness {w.name} {w.state.value}" for w in down]


def _ready(view: NodeView) -> bool:
    return view.state is NodeState.RUNNING and view.ready


def _run_up(args: argparse.Namespace) -> int:
    with spinner("checking ports", as_json=args.json) as spinning:
        views = net_up(
            args.dir,
            validators=args.validators,
            base_port=args.base_port,
            progress=spinning.step,
            witnesses=tuple(args.witness),
        )
    _print(views, args.json, witness_views(args.dir.resolve()))
    if not args.json:
        print(f"stop with: lantan net down --dir {args.dir}")
    return 0


def _run_status(args: argparse.Namespace) -> int:
    directory = args.dir.resolve()
    require_network(directory)
    clients = StatusClients()  # one set for the status reads and the agreement's blocks
    try:
        views = net_status(directory, clients)
        agreement = head_agreement(directory, views, clients)
    finally:
        clients.close()
    witnesses = witness_views(directory)
    # A directory of node folders without genesis (net down after a failed create) names no
    # validators and no quorum.
    shortfall = None
    if (directory / GENESIS_FILE).exists():
        shortfall = quorum_shortfall(directory, {v.name for v in views if _ready(v)})
    _print(views, args.json, witnesses, agreement, shortfall)
    # Ready, and still to be seen: a clock minutes behind the others' (node/clock_watch.py)
    # left the chain committing on the others' votes alone while every line said ready.
    for view in views:
        for warning in view.warnings:
            print(f"lantan net status: warning: {view.name}: {warning}", file=sys.stderr)
    not_up = _not_up(views, witnesses)
    if not not_up:
        return 0
    print(f"lantan net status: not all up: {', '.join(not_up)}", file=sys.stderr)
    for line in _next_steps(views, args.dir):
        print(f"  {line}", file=sys.stderr)
    return EXIT_NOT_ALL_UP


def _next_steps(views: list[NodeView], directory: Path) -> list[str]:
    """What to do about each node not up: where its log says why, how to start it again
    (an operator after kill -9 read "exited" and had to find both in --help and the docs).
    Every node stopped (after `net down`): one line, `net up`, which starts them all (and
    the witnesses), not a `net start` per node."""
    down = (NodeState.STOPPED, NodeState.EXITED)
    if views and all(view.state in down for view in views):
        # Killed together (a power loss, the OOM killer) as after `net down`: one command.
        # A `net start` per node answered the first with "not ready ... start 1 more".
        what = "stopped" if all(v.state is NodeState.STOPPED for v in views) else "down"
        return [f"every node is {what}: start the network: lantan net up --dir {directory}"]
    steps = []
    for view in views:
        log = directory / view.name / "node.log"
        if view.state is NodeState.EXITED:
            steps.append(
                f"{view.name}: why it ended: {log}; start it again: "
                f"lantan net start {view.name} --dir {directory}"
            )
        elif view.state is NodeState.STOPPED:
            steps.append(f"{view.name}: start it: lantan net start {view.name} --dir {directory}")
        elif view.state is NodeState.NOT_ANSWERING:
            steps.append(f"{view.name}: its process lives but its API does not answer: see {log}")
        elif _ready(view):
            continue
        elif view.catching_up is not None:
            steps.append(f"{view.name}: {view.catching_up.text}; it gets ready once caught up")
        else:
            why = "; ".join(shown(p) for p in view.not_ready_because)
            steps.append(f"{view.name}: answers but is not ready: {why}; see {log}")
    return steps


def _run_stop(args: argparse.Namespace) -> int:
    directory = args.dir.resolve()
    witness = is_witness(directory, args.node)
    if not witness:
        require_node(directory, args.node)
    pid_file = WITNESS_PID_FILE if witness else PID_FILE
    exited = process_state(directory / args.node, pid_file) is ProcessState.EXITED
    if not stop_process(directory, args.node, pid_file=pid_file):
        if exited:
            log = directory / args.node / (WITNESS_LOG_FILE if witness else LOG_FILE)
            raise NetError(
                f"{args.node} is not running: it had exited without net stop (see {log}); "
                "it counts as stopped now"
            )
        raise NetError(f"{args.node} is not running")
    print(f"stopped {args.node}")
    return 0


def _run_start(args: argparse.Namespace) -> int:
    directory = args.dir.resolve()
    if is_witness(directory, args.node):
        pid = start_witness(directory, args.node)
        _print([], args.json, [WitnessView(name=args.node, pid=pid, state=ProcessState.RUNNING)])
        return 0
    with spinner(f"starting {args.node}", as_json=args.json) as spinning:
        view = net_start(directory, args.node, progress=spinning.step)
    _print([view], args.json, [])
    if not view.ready:
        running = {v.name for v in net_status(directory) if v.height is not None}
        shortfall = quorum_shortfall(directory, running)
        if shortfall is not None:
            print(
                f"{args.node} runs but is not ready: {shortfall.advice(directory)}",
                file=sys.stderr,
            )
    return 0


def _run_add_observer(args: argparse.Namespace) -> int:
    with spinner(f"starting observer {args.name}", as_json=args.json) as spinning:
        view = net_add_observer(args.dir, args.name, port=args.port, progress=spinning.step)
    _print([view], args.json, [])
    if not args.json:
        print(
            f"observer {args.name} serves {view.url}; stop with: lantan net stop {args.name} "
            f"--dir {args.dir}"
        )
    return 0


def _run_down(args: argparse.Namespace) -> int:
    stopped = net_down(args.dir.resolve())
    print(f"stopped {', '.join(stopped) if stopped else 'nothing (no node was running)'}")
    return 0
