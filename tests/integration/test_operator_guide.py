"""What a new operator or auditor meets first, on real node processes and the real `lantan`.

- The README's "Using it" block runs as written against a fresh network: only its
  directory and its ports are moved, so it cannot collide with other networks here.
- Every page a node serves (the registry, /docs, /redoc, /checker) references nothing
  outside the node: courts and government intranets are often offline.
- `lantan audit` verdicts: one WRONG_CHAIN line for the wrong genesis file, an unreachable
  node named once, CLEAN saying what it checked; short tx ids as input; closed pipes.
"""

import json
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from genesis.network import GENESIS_FILE
from tests.integration.lantan_cli import LANTAN, lantan
from tests.integration.network import LocalNet, free_base_port

pytestmark = pytest.mark.slow
SHARED_NET = "case"
"""With test_observability.py: the net with the Xiangshan case committed (conftest.py)."""
ROOT = Path(__file__).resolve().parents[2]
PAGES_MAX = 120


# --- the README ----------------------------------------------------------------------------


def readme_block() -> str:
    """The shell block under "## Using it"."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text[text.index("## Using it") :]
    start = section.index("```sh\n") + len("```sh\n")
    return section[start : section.index("```", start)]


def moved(block: str, directory: Path, base: int) -> str:
    """The block with /tmp/net -> directory and ports 7101.. -> base.. (nothing else)."""
    block = block.replace("/tmp/net", str(directory))
    block = re.sub(r"127\.0\.0\.1:710(\d)", lambda m: f"127.0.0.1:{base + int(m[1]) - 1}", block)
    return re.sub(
        r"^(lantan net up --dir \S+)", rf"\1 --base-port {base}", block, flags=re.MULTILINE
    )


def test_the_readme_using_it_block_runs_as_written() -> None:
    directory = Path(tempfile.mkdtemp(prefix="lantan-readme-")) / "net"
    script = "set -euo pipefail\n" + moved(readme_block(), directory, free_base_port(3))
    try:
        completed = subprocess.run(
            ["bash", "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "ACCEPTED" in completed.stdout
        assert "\nCLEAN: " in completed.stdout
        assert "— " in completed.stdout  # the checkpoint note's signature lines
        assert "stopped " in completed.stdout
    finally:
        if directory.exists():
            LocalNet(directory).close()
        shutil.rmtree(directory.parent, ignore_errors=True)


# --- one network for the rest: the Xiangshan case, so every registry page has records ------


@pytest.fixture(scope="module")
def case_net(net: LocalNet, xiangshan_case: int) -> LocalNet:
    return net


# --- served pages ----------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src", "action"} and value:
                self.links.append(value)


URL_PATTERN = re.compile(r"""https?://[^\s"'<>()\\]+""", re.IGNORECASE)
# A scheme-relative URL (//host/...) only where a page loads or links something: base64
# data (keys, fonts) embedded in a page may contain "//" anywhere.
RELATIVE_URL_PATTERN = re.compile(
    r"""(?:(?:src|href|action|poster|srcset)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])"""
    r"""(//[^\s"'<>()\\]+)""",
    re.IGNORECASE,
)


def external_urls(html: str, origin: str) -> set[str]:
    """Absolute URLs in the page that point anywhere but the node itself."""
    found = set()
    for match in [*URL_PATTERN.findall(html), *RELATIVE_URL_PATTERN.findall(html)]:
        host = urlsplit(match if ":" in match.split("//")[0] else "http:" + match).netloc
        if host and host != urlsplit(origin).netloc:
            found.add(match)
    return found


def crawl(net: LocalNet, name: str, starts: list[str]) -> dict[str, str]:
    """Every HTML page reachable from starts by same-origin links, path -> body."""
    origin = net.url(name)
    pages: dict[str, str] = {}
    queue = list(starts)
    while queue and len(pages) < PAGES_MAX:
        path = queue.pop(0)
        if path in pages:
            continue
        response = net.http.get(origin + path)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        # Error pages are scanned too (another suite checks which links resolve).
        pages[path] = response.text
        parser = _Links()
        parser.feed(response.text)
        for link in parser.links:
            target = urlsplit(urljoin(origin + path, link))
            if target.netloc == urlsplit(origin).netloc and not target.path.startswith("/v1/"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages


def test_no_served_page_references_anything_outside_the_node(case_net: LocalNet) -> None:
    name = case_net.validators[0]
    pages = crawl(case_net, name, ["/", "/docs", "/redoc", "/checker", "/checker/offline.html"])
    kinds = {path.split("/")[1].split("?")[0] for path in pages}
    for kind in ("", "docs", "redoc", "checker", "projects", "batches", "accounts", "cases"):
        assert kind in kinds, f"no /{kind} page reached"
    assert "retirements" in kinds and "institutions" in kinds and "txs" in kinds
    offending = {
        path: sorted(urls)
        for path, html in pages.items()
        if (urls := external_urls(html, case_net.url(name)))
    }
    assert offending == {}


def test_the_docs_assets_are_served_by_the_node(case_net: LocalNet) -> None:
    name = case_net.validators[0]
    page = case_net.get(name, "/docs").text
    parser = _Links()
    parser.feed(page)
    assets = [link for link in parser.links if link.startswith("/docs/assets/")]
    assert len(assets) >= 2  # the script and the stylesheet
    for link in assets:
        response = case_net.get(name, link)
        assert response.status_code == 200 and len(response.content) > 1000, link
    assert case_net.get(name, "/docs/assets/nosuch.js").status_code == 404


# --- audit verdicts ------------------------------------------------------------------------


def audit(net: LocalNet, *args: str) -> subprocess.CompletedProcess[str]:
    urls = ",".join(net.url(n) for n in net.validators)
    return lantan("audit", "--nodes", urls, *args)


def test_a_clean_audit_says_what_it_checked(case_net: LocalNet) -> None:
    completed = audit(case_net, "--genesis", str(case_net.directory / GENESIS_FILE))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    last = completed.stdout.strip().splitlines()[-2]  # then "(N ms)"
    assert last.startswith("CLEAN: heights 1..")
    assert "commit certificate" in last and "on 3 node(s)" in last
    assert "txs not re-executed" in completed.stdout


def test_the_wrong_genesis_file_is_one_finding_per_node(case_net: LocalNet, tmp_path: Path) -> None:
    document = json.loads((case_net.directory / GENESIS_FILE).read_text("utf-8"))
    document["genesis_time_ms"] += 1
    wrong = tmp_path / "other-genesis.json"
    wrong.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    completed = audit(case_net, "--genesis", str(wrong))
    assert completed.returncode == 1
    assert completed.stdout.count("WRONG_CHAIN") == 3
    assert "FAILED: 3 finding(s)" in completed.stdout
    assert "serves chain" in completed.stdout


def test_an_unreachable_node_is_named_once_and_nothing_is_claimed(case_net: LocalNet) -> None:
    url = f"http://127.0.0.1:{free_base_port(1)}"
    genesis = case_net.directory / GENESIS_FILE
    completed = lantan("audit", "--nodes", url, "--genesis", str(genesis))
    assert completed.returncode == 1
    assert completed.stdout.count(url) == 1, completed.stdout
    assert "replay" not in completed.stdout
    assert "nothing was checked" in completed.stdout


def test_audit_option_errors_name_nodes(case_net: LocalNet) -> None:
    genesis = str(case_net.directory / GENESIS_FILE)
    completed = lantan("audit", "--nodes", "ftp://x", "--genesis", genesis)
    assert completed.returncode == 2
    assert "--nodes 'ftp://x'" in completed.stderr


def test_audit_into_a_closed_pipe_ends_quietly(case_net: LocalNet) -> None:
    urls = ",".join(case_net.url(n) for n in case_net.validators)
    genesis = case_net.directory / GENESIS_FILE
    line = f"{LANTAN} audit --nodes {urls} --genesis {genesis} --json | true"
    completed = subprocess.run(
        ["bash", "-c", line], capture_output=True, text=True, timeout=120, check=True
    )
    assert completed.stderr == ""


# --- short ids ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def retirement_id(case_net: LocalNet) -> str:
    items = case_net.get_json(case_net.validators[0], "/v1/retirements")["items"]
    assert items
    return str(items[0]["retirement_id"])


def test_query_and_verify_take_a_short_tx_id(case_net: LocalNet, retirement_id: str) -> None:
    node = case_net.url(case_net.validators[0])
    genesis = str(case_net.directory / GENESIS_FILE)
    completed = lantan("query", "tx", retirement_id[:12], "--node", node, "--json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["tx_id"] == retirement_id
    completed = lantan(
        "verify", "tx", retirement_id[:16] + "…", "--node", node, "--genesis", genesis
    )
    assert completed.returncode == 0, completed.stderr
    assert "ACCEPTED" in completed.stdout


def test_receipt_get_takes_a_short_retirement_id(
    case_net: LocalNet, retirement_id: str, tmp_path: Path
) -> None:
    node = case_net.url(case_net.validators[1])
    genesis = str(case_net.directory / GENESIS_FILE)
    out = tmp_path / "receipt.json"
    completed = lantan(
        "receipt",
        "get",
        retirement_id[:16],
        "--node",
        node,
        "--genesis",
        genesis,
        "--out",
        str(out),
    )
    assert completed.returncode == 0, completed.stderr
    assert "VALID" in completed.stdout
    assert out.is_file()


def test_keys_check_uses_the_passphrase_beside_the_keystore(case_net: LocalNet) -> None:
    completed = lantan("keys", "check", str(case_net.directory / "ningbo-ptc"))
    assert completed.returncode == 0, completed.stderr
    assert "unlocked key 'ningbo-ptc'" in completed.stdout
