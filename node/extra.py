"""Refuse to load the server's command groups when the `node` extra is not installed.

`pip install lantan` (an auditor's or a court's install) has no FastAPI, uvicorn or plyvel;
the `lantan node|net|bench` entry points import this first, and client/cli/main.py turns the
ImportError into a message on how to install the extra instead of a node that dies at start.
"""

import importlib.util

SERVER_MODULES = ("fastapi", "uvicorn", "plyvel", "pydantic")


def require_server_extra() -> None:
    """Raise ImportError naming the first missing server dependency."""
    for module in SERVER_MODULES:
        if importlib.util.find_spec(module) is None:
            raise ImportError(f"{module} is not installed (pip install 'lantan[node]')")
