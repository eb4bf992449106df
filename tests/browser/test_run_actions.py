"""The run page's buttons act on the run: cancel stops it, delete removes it and returns to the list.

An API-only server keeps the run queued, so the page's part is tested without racing a worker; stopping a
running run is the worker's part (tests/worker).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from dashboard_api import create_run
from live_server import LiveServer
from playwright.sync_api import Dialog, Page


@pytest.fixture(scope="module")
def queue_only_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server without workers: runs stay queued until the test acts on them."""
    live = LiveServer(tmp_path_factory.mktemp("queue-only"), workers=0).start()
    yield live
    live.stop()


def test_cancel_then_delete_from_the_run_page(page: Page, queue_only_server: LiveServer) -> None:
    url = queue_only_server.url
    run = create_run(url, name="to cancel", dataset="synthetic", epochs=5)
    page.goto(f"{url}/runs/{run['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.get_attribute("[data-testid=run-status] [data-status]", "data-status") == "queued"
    page.click("[data-testid=cancel-run]")
    page.wait_for_selector("[data-testid=run-status] [data-status=cancelled]")
    assert page.is_hidden("[data-testid=cancel-run]")
    assert httpx.get(f"{url}/api/runs/{run['id']}").json()["status"] == "cancelled"

    messages: list[str] = []

    def accept(dialog: Dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("[data-testid=delete-run]")
    page.wait_for_url(f"{url}/")
    page.wait_for_selector("#app[data-loaded=true]")
    assert messages and f"#{run['id']}" in messages[0]
    assert page.locator(f"tr[data-run-id='{run['id']}']").count() == 0
    assert httpx.get(f"{url}/api/runs/{run['id']}").status_code == 404


def test_dismissed_delete_keeps_the_run(page: Page, queue_only_server: LiveServer) -> None:
    url = queue_only_server.url
    run = create_run(url, name="to keep", dataset="synthetic")
    page.goto(f"{url}/runs/{run['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=delete-run]")
    page.wait_for_timeout(300)
    assert page.url.endswith(f"/runs/{run['id']}")
    assert httpx.get(f"{url}/api/runs/{run['id']}").status_code == 200
