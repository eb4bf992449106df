"""On a server with an API token, the page asks for it once, keeps it for the tab, and then works live."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from console_watch import ConsoleWatch
from live_server import LiveServer
from playwright.sync_api import Page

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An API-only server that answers 401 without `Authorization: Bearer s3cret-token`."""
    live = LiveServer(tmp_path_factory.mktemp("token"), workers=0, TRAINBOARD_TOKEN=TOKEN).start()
    yield live
    live.stop()


def test_page_asks_for_the_token_once_and_then_lists_runs_live(page: Page, console: ConsoleWatch, token_server: LiveServer) -> None:
    console.allow("status of 401")  # the first requests, before the token is known
    url = token_server.url
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = httpx.post(f"{url}/api/runs", json={"dataset": "synthetic", "name": "behind a token"}, headers=auth)
    assert created.status_code == 201

    page.goto(f"{url}/")
    page.wait_for_selector("[data-testid=token-dialog][open]")
    page.fill("[data-testid=token-input]", TOKEN)
    page.click("[data-testid=token-ok]")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.locator("tr[data-run-id]").count() == 1
    assert page.evaluate("sessionStorage.getItem('trainboard.token')") == TOKEN

    # The event stream connects with the token too: a run created now shows up without a reload.
    page.wait_for_selector("[data-testid=live-indicator]:text('live')")
    later = httpx.post(f"{url}/api/runs", json={"dataset": "synthetic", "name": "second"}, headers=auth).json()
    page.wait_for_selector(f"tr[data-run-id='{later['id']}']")

    # Other pages reuse the token without asking again.
    page.click("[data-testid=nav-launch]")
    page.wait_for_selector("#app[data-loaded=true]")
    assert not page.is_visible("[data-testid=token-dialog]")
