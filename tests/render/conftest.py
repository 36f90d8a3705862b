"""The rendered book: tests here need ``quarto`` (to render) or ``_book/`` (to check).

Shared fixtures for every test of the rendered site (the browser walk, the accessibility
checks): ``book`` (the ``_book/`` folder), ``site`` (its URL on a local HTTP server),
``browser`` (the system Chromium driven by Playwright, one per session) and ``page`` (a fresh
page in its own browser context, per test). Each skips loudly when what it needs is absent.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reviewbuild.paths import project_root

#: Flags for the system Chromium in containers and CI (no sandbox, GPU or background traffic).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]

#: Executable names of a system Chromium or Chrome, in the order they are tried.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="session")
def root() -> Path:
    return project_root()


@pytest.fixture(scope="session")
def book(root: Path) -> Path:
    path = root / "_book"
    if not (path / "index.html").is_file():
        reason = ("SKIPPED LOUDLY: no rendered book in _book/ — these checks run after "
                  "`quarto render` (in GitHub Actions, or locally with Quarto >= 1.9)")
        if shutil.which("quarto") is None:
            reason += "; Quarto is not installed on this machine"
        pytest.skip(reason)
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Keep the test output free of one access-log line per request."""


@pytest.fixture(scope="session")
def site(book: Path) -> Iterator[str]:
    """The rendered book served over HTTP on 127.0.0.1 (base URL, ends in ``/``)."""
    handler = functools.partial(_QuietHandler, directory=str(book))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def system_chromium() -> str | None:
    """Path of the system Chromium/Chrome (Debian's ``chromium`` in CI), or None."""
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def browser(site: str):
    """Playwright's Chromium API driving the system browser (one per test session)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="SKIPPED LOUDLY: playwright is not installed")
    chromium = system_chromium()
    if chromium is None:
        pytest.skip("SKIPPED LOUDLY: no system Chromium or Chrome for the browser tests "
                    "(`apt-get install chromium`; .ci/run installs it when run as root)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context: cookies, storage, downloads allowed) for one test."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
