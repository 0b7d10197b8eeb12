"""`net up`'s port check: refused while something listens, free once it stopped.

A node that just stopped leaves its accepted connections in TIME_WAIT for a minute; the
check must not call the port taken then (uvicorn binds with SO_REUSEADDR and would start),
or `lantan net down` followed by `lantan net up` fails for a minute.
"""

import socket

from node.net import port_free


def _listener() -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def test_a_listening_port_is_taken() -> None:
    with _listener() as server:
        assert not port_free(server.getsockname()[1])


def test_a_port_whose_server_closed_first_is_free_despite_time_wait() -> None:
    server = _listener()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    accepted.close()  # the server side closes first: its end goes to TIME_WAIT
    client.recv(1)  # sees the FIN
    client.close()
    server.close()
    assert port_free(port)
