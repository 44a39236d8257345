"""Browser tests: Playwright's sync API driving Debian's Chromium against a real server (see server.py).

Run them in their own pytest process, without the asyncio plugin: ``pytest -q -m browser -p no:asyncio``. When
Chromium is missing they are skipped, unless CONSORTIUM_REQUIRE_BROWSER=1 (CI), when they fail instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.browser.server import Server, running_server

CHROMIUM = os.environ.get("CONSORTIUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Under ``-p no:asyncio`` pyproject's asyncio_* settings are unknown, and filterwarnings=error would turn
    pytest's "unknown config option" warning into a failure: declare them (unused) when the plugin is off."""
    if pluginmanager.has_plugin("asyncio"):
        return
    for name in ("asyncio_mode", "asyncio_default_fixture_loop_scope", "asyncio_default_test_loop_scope"):
        parser.addini(name, "pytest-asyncio's setting (that plugin is disabled in the browser test run)")


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    message = f"Chromium is needed for the browser tests but was not found at {CHROMIUM} (apt-get install chromium)."
    if os.environ.get("CONSORTIUM_REQUIRE_BROWSER") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    _require_chromium()
    workdir = Path(tempfile.mkdtemp(prefix="consortium-browser-"))
    with running_server(workdir) as running:
        yield running
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
