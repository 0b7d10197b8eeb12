"""The auditor's side: the `lantan` CLI and its checks, with no server dependency.

Subpackages, each importing only those below it (pyproject.toml import-linter contract):
cli/ (the commands) -> audit/ (the chain audit) -> receipt/ (receipt and tx proofs),
tx/ (building and signing txs) -> the shared modules here: api.py (one node's HTTP API),
node_pool.py (several nodes), id_prefix.py, code_names.py, errors.py.
"""

import sys

# As in node/__init__.py: no `lantan` call loads httpx's own command-line client (~0.25 s).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
