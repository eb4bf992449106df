"""Every page renders its finished runs with nothing in the browser console, through deep links and in-app links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from console_watch import ConsoleWatch
from dashboard_api import create_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page


@pytest.fixture(scope="module")
def finished_runs(server: LiveServer) -> Iterator[dict[str, int]]:
    """A finished training run and a finished LR range test, both tiny."""
    tiny = dict(dataset="synthetic", train_limit=512, test_limit=128, batch_size=32)
    train = create_run(server.url, name="console check", epochs=1, log_every=2, **tiny)
    finder = create_run(server.url, kind="lr_find", num_iter=20, **tiny)
    for run in (train, finder):
        assert wait_for_status(server.url, run["id"], timeout_s=120)["status"] == "succeeded"
    yield {"train": train["id"], "lr_find": finder["id"]}


def test_every_page_renders_without_console_errors(page: Page, server: LiveServer, finished_runs: dict[str, int]) -> None:
    train, finder = finished_runs["train"], finished_runs["lr_find"]
    page.goto(f"{server.url}/runs/{train}")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.get_attribute("[data-testid=confusion-chart]", "data-rendered") == "true"
    page.click("[data-testid=confusion-normalized]")
    page.fill("[data-testid=smoothing]", "0.9")
    with page.expect_download() as checkpoint:
        page.click("[data-testid=checkpoint-download]")
    assert checkpoint.value.suggested_filename.endswith(".pt")
    assert Path(checkpoint.value.path()).stat().st_size > 0
    with page.expect_download() as csv:
        page.click("[data-testid=metrics-csv]")
    assert Path(csv.value.path()).read_text().startswith("name,step,value")
    assert page.is_hidden("[data-testid=cancel-run]")  # a finished run cannot be cancelled

    page.goto(f"{server.url}/runs/{finder}")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.get_attribute("[data-testid=lr-curve-chart]", "data-final") == "true"

    page.goto(f"{server.url}/compare?ids={train},{finder}")
    page.wait_for_selector("#app[data-loaded=true]")

    # In-app navigation: the router swaps pages without reloading the document.
    page.evaluate("window.sameDocument = true")
    page.click("[data-testid=nav-runs]")
    page.wait_for_selector("#app[data-loaded=true]")
    page.click(f"tr[data-run-id='{train}'] [data-testid=run-link]")
    page.wait_for_selector("#app[data-loaded=true] [data-testid=loss-chart] .plot-container")
    assert page.url.endswith(f"/runs/{train}")
    page.click("[data-testid=clone-run]")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.input_value("#field-train_limit") == "512"  # the clone starts from the run's config
    assert page.input_value("#field-epochs") == "1"
    page.go_back()
    page.wait_for_selector("#app[data-loaded=true] [data-testid=loss-chart]")
    page.click("[data-testid=nav-compare]")
    page.wait_for_selector("[data-testid=compare-empty]")
    page.click("[data-testid=nav-workers]")
    page.wait_for_selector("#app[data-loaded=true] [data-testid=workers-table] tr[data-worker-id]")
    page.click("[data-testid=nav-sweeps]")
    page.wait_for_selector("#app[data-loaded=true] [data-testid=sweeps-table]")
    page.click("[data-testid=new-sweep]")
    page.wait_for_selector("#app[data-loaded=true] [data-testid=sweep-editor]:not(.hidden)")
    assert page.evaluate("window.sameDocument") is True


def test_unknown_sweep_page_says_the_server_message(page: Page, console: ConsoleWatch, server: LiveServer) -> None:
    console.allow("status of 404")
    page.goto(f"{server.url}/sweeps/999999")
    page.wait_for_selector("[data-testid=page-error]")
    assert "sweep 999999 not found" in page.text_content("[data-testid=page-error]").lower()


def test_unknown_run_page_says_the_server_message(page: Page, console: ConsoleWatch, server: LiveServer) -> None:
    console.allow("status of 404")  # the page's own requests for the missing run
    page.goto(f"{server.url}/runs/999999")
    page.wait_for_selector("[data-testid=page-error]")
    assert "run 999999 not found" in page.text_content("[data-testid=page-error]").lower()
