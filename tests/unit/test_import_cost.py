"""What a process pays at start: each entry point loads its own stack and no more.

`lantan <group>` loads one command group (client/cli/main.py), and a node loads the receipt
PDF renderer at its first PDF (node/receipt_pdfs.py): reportlab alone is about a quarter of
a CPU second, paid by every CLI call and node start of every test tier otherwise.
"""

import ast
import subprocess
import sys


def loaded_after(statements: str, prefixes: tuple[str, ...]) -> tuple[list[str], str]:
    """Run statements in a fresh interpreter; the modules it then holds under prefixes,
    and what it printed."""
    script = (
        "import sys, contextlib, io\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        f"    {statements}\n"
        f"print(out.getvalue())\n"
        f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    *printed, loaded = completed.stdout.rstrip("\n").split("\n")
    return ast.literal_eval(loaded), "\n".join(printed)


def test_a_cli_group_loads_only_its_own_stack() -> None:
    heavy = ("reportlab", "client.audit", "node.server", "fastapi")
    loaded, printed = loaded_after(
        "from client.cli.main import main; main(['genesis', '--help'])", heavy
    )
    assert loaded == [], loaded
    assert "usage: lantan genesis" in printed


def test_starting_a_node_does_not_load_reportlab() -> None:
    loaded, _ = loaded_after("import node.main", ("reportlab", "client.receipt.pdf"))
    assert loaded == [], loaded
