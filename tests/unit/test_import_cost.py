"""What a process pays at start and per request: each entry point loads its own stack.

`lantan <group>` loads one command group (client/cli/main.py), and a node loads the receipt
PDF renderer at its first PDF (node/receipt_pdfs.py): reportlab alone is about a quarter of
a CPU second, paid by every CLI call and node start of every test tier otherwise.
"""

import ast
import subprocess
import sys
import textwrap

SERVE_AND_ASK_TWICE = r"""
import asyncio, httpx

async def answer(reader, writer):
    while line := await reader.readline():
        if line == b"\r\n":
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()

async def twice():
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    url = "http://127.0.0.1:%d/" % server.sockets[0].getsockname()[1]
    async with httpx.AsyncClient() as client:
        await client.get(url)
        before = set(sys.modules)
        await client.get(url)
        print(sorted(set(sys.modules) - before))
    server.close()

asyncio.run(twice())
"""


def loaded_after(statements: str, prefixes: tuple[str, ...]) -> tuple[list[str], str]:
    """Run statements in a fresh interpreter; the modules it then holds under prefixes,
    and what it printed."""
    script = (
        "import sys, contextlib, io\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        f"{textwrap.indent(textwrap.dedent(statements), '    ')}\n"
        "print(out.getvalue())\n"
        # A None entry is a module refused, not loaded (node/__init__.py's httpx._main).
        f"print(sorted(m for m, v in sys.modules.items() if m.startswith({prefixes!r}) and v))\n"
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


def test_the_version_loads_no_command_group() -> None:
    """Before: `lantan --version` loaded every group, ~0.5 s of CPU, to print one line."""
    loaded, printed = loaded_after(
        "from client.cli.main import main; main(['--version'])",
        ("genesis", "httpx", "client.cli.", "contracts"),
    )
    # What every `lantan` call loads before it knows the command: nothing of a group's stack.
    assert loaded == [
        "client.cli.completion",
        "client.cli.json_failure",
        "client.cli.main",
        "client.cli.streams",
    ]
    assert printed.startswith("lantan ")


def test_a_query_loads_neither_contracts_nor_consensus_nor_the_tx_codec() -> None:
    """Before: `lantan query` loaded contracts and consensus (genesis.commands imported the
    keystore module for one function) and protocol.tx (for id prefixes): about 0.4 s of
    CPU of its ~0.85 s, for a read that needs none of them."""
    loaded, printed = loaded_after(
        "from client.cli.main import main; main(['query', '--help'])",
        ("contracts", "consensus", "genesis.keystore", "protocol.tx", "client.id_prefix"),
    )
    assert loaded == [], loaded
    assert "usage: lantan query" in printed


def test_starting_a_node_does_not_load_reportlab() -> None:
    loaded, _ = loaded_after("import node.main", ("reportlab", "client.receipt.pdf"))
    assert loaded == [], loaded


def test_an_http_request_imports_nothing_new() -> None:
    """httpcore asks `import sniffio` on every request; were it missing, each request of
    the node's peer links and sync polls would search sys.path again (~180 us)."""
    loaded, printed = loaded_after(SERVE_AND_ASK_TWICE, ("sniffio",))
    assert "sniffio" in loaded, "httpcore's per-request `import sniffio` fails"
    assert printed.strip() == "[]"


def test_neither_a_node_nor_a_query_loads_httpxs_command_line_client() -> None:
    """httpx imports its own CLI (click, rich, pygments) whenever they are installed: before,
    ~0.25 s of CPU at every node start and every `lantan` call that asks a node."""
    for entry in (
        "import node.main",
        "from client.cli.main import main; main(['query', '--help'])\nimport client.api",
    ):
        loaded, _ = loaded_after(f"{entry}\nimport httpx", ("rich", "pygments"))
        assert loaded == [], (entry, loaded)
