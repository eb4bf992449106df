"""On a server with an API token, the page asks for it once, signs in with a session cookie, then works live.

The token never appears in a URL (access logs, history) nor in the page's storage; download links work.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conftest import watched_tab
from console_watch import ConsoleWatch
from live_server import LiveServer
from playwright.sync_api import Browser, Page

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An API-only server that answers 401 without the token."""
    live = LiveServer(tmp_path_factory.mktemp("token"), workers=0, TRAINBOARD_TOKEN=TOKEN).start()
    yield live
    live.stop()


@pytest.fixture
def own_page(browser: Browser, console: ConsoleWatch) -> Iterator[Page]:
    """A tab in a context of its own: no cookie from other tests, none left for them."""
    context = browser.new_context()
    yield watched_tab(context, console)
    context.close()
    assert console.unexpected() == [], "errors in the browser console"


def test_page_asks_for_the_token_once_and_then_lists_runs_live(
    own_page: Page, console: ConsoleWatch, token_server: LiveServer
) -> None:
    page = own_page
    console.allow("status of 401")  # the first requests, before signing in
    url = token_server.url
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = httpx.post(f"{url}/api/runs", json={"dataset": "synthetic", "name": "behind a token"}, headers=auth)
    assert created.status_code == 201
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{url}/")
    page.wait_for_selector("[data-testid=token-dialog][open]")
    page.fill("[data-testid=token-input]", "not the token")
    page.click("[data-testid=token-ok]")
    page.wait_for_selector("[data-testid=token-error]:text('not this server')")
    page.fill("[data-testid=token-input]", TOKEN)
    page.click("[data-testid=token-ok]")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.locator("tr[data-run-id]").count() == 1

    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["trainboard_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and TOKEN not in session["value"]
    assert page.evaluate("JSON.stringify({...sessionStorage}) + JSON.stringify({...localStorage})").count(TOKEN) == 0

    # The event stream connects with the cookie: a run created now shows up without a reload.
    page.wait_for_selector("[data-testid=live-indicator]:text('live')")
    later = httpx.post(f"{url}/api/runs", json={"dataset": "synthetic", "name": "second"}, headers=auth).json()
    page.wait_for_selector(f"tr[data-run-id='{later['id']}']")

    # Other pages reuse the session without asking again, and plain download links work.
    page.goto(f"{url}/runs/{later['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    assert not page.is_visible("[data-testid=token-dialog]")
    with page.expect_download() as download:
        page.click("[data-testid=metrics-csv]")
    assert download.value.failure() is None
    assert open(download.value.path()).read().startswith("name,step,value")
    assert not [u for u in requested if TOKEN in u], "the token went into a URL"


def test_the_api_takes_no_token_in_a_query_string(token_server: LiveServer) -> None:
    assert httpx.get(f"{token_server.url}/api/runs", params={"token": TOKEN}).status_code == 401
    assert httpx.get(f"{token_server.url}/api/runs", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
