"""Browser-test fixtures: real servers on loopback, Debian's Chromium through Playwright, a console watch per page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import launch_chromium
from console_watch import ConsoleWatch
from live_server import LiveServer
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

VIEWPORT = {"width": 1400, "height": 1000}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser against real server processes."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """One browser context for the session, so plotly.js is fetched and compiled once (as for a returning user)."""
    ctx = browser.new_context(viewport=VIEWPORT)
    yield ctx
    ctx.close()


@pytest.fixture
def console() -> ConsoleWatch:
    """The console watch of the test's page."""
    return ConsoleWatch()


def watched_tab(context: BrowserContext, console: ConsoleWatch) -> Page:
    """A new tab of `context` whose console messages and page errors go to `console`."""
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.on("console", console.on_console)
    tab.on("pageerror", console.on_page_error)
    return tab


@pytest.fixture
def page(context: BrowserContext, console: ConsoleWatch) -> Iterator[Page]:
    """A fresh tab; after the test, no console error or page error may have happened on it."""
    tab = watched_tab(context, console)
    yield tab
    tab.close()
    assert console.unexpected() == [], "errors in the browser console"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`trainboard serve` with one local worker that trains the runs the tests launch."""
    live = LiveServer(tmp_path_factory.mktemp("served"), workers=1).start()
    yield live
    live.stop()
