"""Fixtures of the browser tier: Debian's chromium under Playwright, a real local network.

Chromium is Debian's chromium-headless-shell where installed, else its chromium
(scripts/system-deps installs both; $LANTAN_CHROMIUM names another); Playwright never
downloads a browser here. Where chromium, Playwright or the CJK font is missing, the tests that need
them are skipped with the reason. The network is `node.net.net_up` with three validators on
ports from 7901, the Xiangshan case is sent through the `lantan` CLI (scripts/demo_case.py)
and the network is always taken down, whatever the tests did (also when pytest is
interrupted by Ctrl-C or SIGTERM: tests/browser/interrupts.py).
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.config import CONFIG_FILE, load_config, render_config
from node.net import net_create, net_down, net_up
from node.net_layout import node_names
from tests.browser.interrupts import sigterm_interrupts
from tests.kit.kdf import TEST_KDF_LIMITS
from tests.receipts import corpus_file
from tests.receipts.tamper import TamperCase

ROOT = Path(__file__).resolve().parents[2]
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def chromium_path(environ: Mapping[str, str], headless_shell: Path = HEADLESS_SHELL) -> Path:
    """$LANTAN_CHROMIUM, else Debian's chromium-headless-shell where installed, else its
    chromium. The headless shell is the same Blink and V8 without the browser's own UI
    processes (Playwright's default for headless Chromium): a new context cost 0.20 s of CPU
    against 0.86, a navigation 0.25 against 0.49 (stop 54, niced, same version 156)."""
    if environ.get("LANTAN_CHROMIUM"):
        return Path(environ["LANTAN_CHROMIUM"])
    return headless_shell if headless_shell.exists() else DEBIAN_CHROMIUM


CHROMIUM = chromium_path(os.environ)
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BASE_PORTS = range(7901, 7990, 10)
CHECKPOINT_WAIT_S = 30.0
HEARTBEAT_MS = 3000
"""The network's heartbeat (node.net's is 1 s). A tx starts its height at once, so the case
does not wait for it; an idle chain makes a height per heartbeat, which cost the three
nodes ~0.17 CPU-s a second at 1 s and ~0.08 at 3 s (stop 54). A newer checkpoint, which
test_receipt_identity.py waits for, comes within one heartbeat."""
DEMO = (sys.executable, str(ROOT / "scripts" / "demo_case.py"))


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: run scripts/system-deps (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (it is in the dev extra)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian chromium for the whole tier."""
    reason = _missing_browser()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


VIEWPORT = {"width": 1280, "height": 900}


class SharedPage:
    """One context and one page for the tests that only read pages. A new context and page
    cost ~1.6 s of chromium's CPU against ~0.6 s for a navigation (stop 54: ~25 tests, ~40
    CPU-s). A page's state is its document (the registry and the checker keep nothing in
    cookies or storage), so each test takes the page on about:blank with no cookies, and
    the page errors it gets back are those of its own test. A page that cannot be brought
    back to about:blank is closed with its context; the next test gets a new one."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.context: Any = None
        self.page: Any = None
        self.errors: list[str] = []

    def take(self) -> Any:
        if self.page is None or self.page.is_closed():
            self.close()
            self.context = self.browser.new_context(viewport=VIEWPORT)
            self.page = self.context.new_page()
            self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.context.clear_cookies()
        if self.page.url != "about:blank":  # give_back left it there: a navigation costs
            self.page.goto("about:blank")  # ~0.2 s of chromium's CPU, even to about:blank
        self.errors.clear()
        return self.page

    def give_back(self) -> list[str]:
        """The page errors since take (an unload's included); the page left on about:blank,
        any other page the test opened (a popup) closed, as its context's close did."""
        try:
            for other in self.context.pages:
                if other is not self.page:
                    other.close()
            self.page.goto("about:blank", timeout=10_000)
        except Exception:  # a wedged page: the next test gets a new context
            self.close()
        errors, self.errors = self.errors, []
        return errors

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.page = None


@pytest.fixture(scope="session")
def shared_page(browser: Any) -> Iterator[SharedPage]:
    shared = SharedPage(browser)
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def page(shared_page: SharedPage) -> Iterator[Any]:
    """The tier's shared page, on about:blank (SharedPage); page errors fail the test."""
    yield shared_page.take()
    errors = shared_page.give_back()
    assert not errors, errors


@pytest.fixture(scope="session")
def cjk_font() -> Path:
    if not CJK_FONT.exists():
        pytest.skip(f"{CJK_FONT} not found: run scripts/system-deps (fonts-wqy-zenhei)")
    return CJK_FONT


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot to artifacts/screenshots/ (ignored by git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- the real network ------------------------------------------------------------------


@dataclass(frozen=True)
class CaseNetwork:
    directory: Path
    url: str
    urls: tuple[str, ...]
    retirement_id: str
    receipt: bytes
    genesis: bytes


def _ports_free(base: int, count: int) -> bool:
    for port in range(base, base + count):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _wait_receipt(url: str, retirement_id: str) -> bytes:
    deadline = time.monotonic() + CHECKPOINT_WAIT_S
    while True:
        response = httpx.get(f"{url}/v1/receipts/{retirement_id}", timeout=10)
        if response.status_code == 200 or time.monotonic() > deadline:
            response.raise_for_status()
            return response.content
        time.sleep(0.3)


def set_heartbeat(directory: Path, heartbeat_ms: int) -> None:
    """Each node.toml of the network at directory with heartbeat_ms (read at the node's start)."""
    for name in node_names(directory):
        config = load_config(directory / name, env={})
        (directory / name / CONFIG_FILE).write_text(
            render_config(replace(config, heartbeat_interval_ms=heartbeat_ms))
        )


@pytest.fixture(scope="session")
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt (as Ctrl-C does) while the networks exist, so their
    teardown runs (tests/browser/interrupts.py); set up before, torn down after them."""
    with sigterm_interrupts():
        yield


@pytest.fixture(scope="session")
def network(
    tmp_path_factory: pytest.TempPathFactory, sigterm_as_interrupt: None
) -> Iterator[CaseNetwork]:
    """Three validators running the Xiangshan case; torn down with net_down."""
    if _missing_browser() is not None:
        pytest.skip(str(_missing_browser()))
    base = next((p for p in BASE_PORTS if _ports_free(p, 3)), None)
    if base is None:
        pytest.skip("no three free ports from 7901")
    directory = tmp_path_factory.mktemp("browser-net")
    try:
        net_create(directory, validators=3, base_port=base, kdf_limits=TEST_KDF_LIMITS)
        set_heartbeat(directory, HEARTBEAT_MS)
        views = net_up(directory, validators=3, base_port=base, kdf_limits=TEST_KDF_LIMITS)
        urls = tuple(sorted(v.url for v in views))
        demo = subprocess.run(
            [*DEMO, "--net", str(directory), "--nodes", ",".join(urls), "--in-process"],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        items = httpx.get(f"{urls[0]}/v1/retirements", timeout=10).json()["items"]
        (retirement,) = [r for r in items if r["kind"] == "judicial"]
        receipt = _wait_receipt(urls[0], retirement["retirement_id"])
        yield CaseNetwork(
            directory=directory,
            url=urls[0],
            urls=urls,
            retirement_id=retirement["retirement_id"],
            receipt=receipt,
            genesis=(directory / "genesis.json").read_bytes(),
        )
    finally:
        net_down(directory)


# --- the tamper corpus of tests/receipts ------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    genesis: dict[str, Any]
    cases: list[TamperCase]


@pytest.fixture(scope="session")
def tamper_corpus() -> Corpus:
    """The shared corpus file (tests/vectors/receipt-corpus.jsonl), valid and tampered
    receipts with the code each verifier must give; tests/receipts checks it is current."""
    genesis, cases = corpus_file.load()
    return Corpus(genesis=json.loads(genesis), cases=cases)
