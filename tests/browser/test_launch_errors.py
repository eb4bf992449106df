"""The server's 422 messages appear next to the fields they name, and nothing is launched."""

from __future__ import annotations

import httpx
from console_watch import ConsoleWatch
from dashboard_api import cancel_run
from live_server import LiveServer
from playwright.sync_api import Page


def run_count(url: str) -> int:
    """How many runs the server has stored."""
    return httpx.get(f"{url}/api/runs", params={"limit": 1}).json()["count"]


def test_bad_fields_show_the_server_message_next_to_each_field(page: Page, console: ConsoleWatch, server: LiveServer) -> None:
    console.allow("status of 422")  # Chromium logs every failed request; this one is the point of the test
    before = run_count(server.url)
    page.goto(f"{server.url}/launch")
    page.wait_for_selector("#app[data-loaded=true]")
    page.select_option("#field-dataset", "synthetic")
    page.fill("#field-lr", "-1")
    page.fill("#field-momentum", "1.5")
    page.click("#launch-submit")

    page.wait_for_selector("#error-lr:not(:empty)")
    assert "greater than 0" in page.text_content("#error-lr")
    assert "less than 1" in page.text_content("#error-momentum")
    assert page.get_attribute("#field-lr", "aria-invalid") == "true"
    assert page.text_content("#error-epochs") == ""
    assert page.url.endswith("/launch")
    assert run_count(server.url) == before

    # A rule across fields (batch larger than the training subset) lands next to the field it names.
    page.fill("#field-lr", "0.01")
    page.fill("#field-momentum", "0.9")
    page.fill("#field-train_limit", "64")
    page.fill("#field-batch_size", "128")
    page.click("#launch-submit")
    page.wait_for_selector("#error-batch_size:not(:empty)")
    assert "larger than the 64 training images" in page.text_content("#error-batch_size")
    assert page.text_content("#error-lr") == ""  # fixed fields lose their old message
    assert run_count(server.url) == before

    # Editing a field clears its message; a valid form launches.
    page.fill("#field-batch_size", "32")
    assert page.text_content("#error-batch_size") == ""
    page.click("#launch-submit")
    page.wait_for_url("**/runs/*")
    assert run_count(server.url) == before + 1
    cancel_run(server.url, int(page.url.rsplit("/", 1)[1]))
