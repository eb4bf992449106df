"""A script's run (the SDK, kind external) on its run page: a chart per metric, grouped by prefix, growing live;
charts for names that appear later; the confusion matrix it logged; no clone button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import LiveServer
from playwright.sync_api import Page, expect

import trainboard


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server without workers: the runs here are the test's own script runs."""
    live = LiveServer(tmp_path_factory.mktemp("sdk"), workers=0).start()
    yield live
    live.stop()


def drawn_x(page: Page, name: str) -> list[int]:
    return page.evaluate(f"document.querySelector('[data-testid=\"metric-chart-{name}\"]').data[0].x")


def test_a_script_run_page_draws_every_metric_grouped_by_prefix_and_live(page: Page, api_server: LiveServer) -> None:
    run = trainboard.init(name="my script", config={"lr": 0.3}, server=api_server.url)
    try:
        for step in range(1, 21):
            run.log({"train/loss": 1 / step, "train/acc": step / 20, "lr": 0.3}, step=step)
        page.goto(f"{api_server.url}/runs/{run.id}")
        page.wait_for_selector("[data-loaded=true]")
        groups = page.locator("section.metric-group > h2").all_inner_texts()
        assert groups[0] == "metrics" and "train" in groups  # unprefixed first, then by prefix
        train = page.locator("[data-testid=metric-group-train] [data-metric]")
        expect(train).to_have_count(2)
        page.wait_for_function("document.querySelector('[data-testid=\"metric-chart-train/loss\"]').data")
        assert drawn_x(page, "train/loss")[-1] >= 1
        for step in range(21, 41):  # live: the open page extends the chart, and a new name gets a new chart
            run.log({"train/loss": 1 / step, "test/acc": 0.5}, step=step)
        page.wait_for_function(
            "document.querySelector('[data-testid=\"metric-chart-train/loss\"]').data[0].x.slice(-1)[0] === 40"
        )
        assert drawn_x(page, "train/loss") == list(range(1, 41))
        page.wait_for_function("document.querySelector('[data-testid=\"metric-chart-test/acc\"]')?.data")
        run.log_confusion([[3, 1], [0, 4]], ["cat", "dog"])
        expect(page.get_by_test_id("confusion-panel")).to_be_visible()
        expect(page.get_by_test_id("clone-run")).to_be_hidden()
    finally:
        run.finish()
    expect(page.get_by_test_id("run-status").locator("[data-status]")).to_have_attribute("data-status", "succeeded")


def test_a_crashed_script_run_shows_its_own_badge_in_the_filtered_runs_table(page: Page, tmp_path_factory: pytest.TempPathFactory) -> None:
    import httpx

    from tests.polling import wait_until

    live = LiveServer(tmp_path_factory.mktemp("crash"), workers=0, TRAINBOARD_LEASE_S="1").start()
    try:
        # A script that starts its run and then says nothing more: no heartbeat, as if killed at once.
        started = httpx.post(f"{live.url}/api/runs/external", json={"name": "silent script"}, timeout=10).json()
        run_id = started["run_id"]
        wait_until(lambda: httpx.get(f"{live.url}/api/runs/{run_id}", timeout=10).json()["status"] == "crashed",
                   "the silent script's run to crash", timeout_s=60)
        page.goto(f"{live.url}/?status=crashed")
        row = f"tr[data-run-id='{run_id}'][data-status=crashed]"
        page.wait_for_selector(row)
        badge = page.locator(f"{row} .badge.crashed")
        expect(badge).to_have_text("crashed")
        assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(59, 42, 42)"  # its own style
        expect(page.get_by_test_id("status-filter")).to_have_value("crashed")
    finally:
        page.goto("about:blank")  # close the page's event stream before the server goes
        live.stop()
