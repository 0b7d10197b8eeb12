"""What a node pays at start: the receipt PDF stack loads at the first PDF, not before."""

import subprocess
import sys


def test_starting_a_node_does_not_load_reportlab() -> None:
    script = (
        "import sys\n"
        "import node.main\n"
        "heavy = ('reportlab', 'client.receipt.pdf')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]", completed.stdout[-400:]
