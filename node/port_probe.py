"""Whether a TCP port can be listened on, asked by binding it once: `lantan net` before it
starts nodes, and a node before it opens its store (node/server.py)."""

import socket


def bind_error(host: str, port: int) -> OSError | None:
    """Why host:port cannot be listened on now (the name does not resolve, or a socket
    listens there), or None.

    SO_REUSEADDR, as uvicorn binds: connections of a node just stopped linger in TIME_WAIT
    on its port for a minute, and without it `net down` then `net up` would be refused.
    """
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except OSError as error:
        return error
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return error
    return None
