"""node package."""

import sys

# httpx imports its command-line client (httpx._main, with click, rich and pygments) when
# those packages are installed, and they are (rich is ours, click comes with uvicorn): ~0.25 s
# of CPU at every node start, paid again by every restart. None in sys.modules makes that
# optional import fail, as httpx expects when its CLI is not installed; no node or client
# code runs httpx's CLI. client/__init__.py does the same for the `lantan` processes.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
