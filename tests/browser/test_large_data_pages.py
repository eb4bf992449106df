"""A run with 100,000 metric points and the runs page with 1,000 runs open with all their data; with 10,000 runs,
the runs page filtered and sorted shows what the API selects, in its order.

How fast they open is measured by benchmarks/page_load.py (`make bench`); these tests post the same data with
its functions and check what the pages show.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from live_server import LiveServer
from playwright.sync_api import Page

from benchmarks.many_runs import insert_runs
from benchmarks.page_load import (
    EPOCHS,
    FILTERED_PAGE,
    MANY_RUNS,
    RUNS,
    STEPS,
    create_queued_runs,
    loss_at,
    post_long_run,
)

LOADED = "#app[data-loaded=true]"  # set by every page once its data is drawn


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An API-only server: the tests post runs and points themselves."""
    live = LiveServer(tmp_path_factory.mktemp("large-data"), workers=0).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def long_run(api_server: LiveServer) -> int:
    """A finished run with 100,000 loss points plus per-epoch series, posted over the worker protocol."""
    return post_long_run(api_server.url)


@pytest.fixture(scope="module")
def many_runs(api_server: LiveServer, long_run: int) -> int:
    """1,000 runs: the long run and 999 queued ones (created after it, since its scripted worker claims the oldest)."""
    create_queued_runs(api_server.url, RUNS - 1)
    return RUNS


def trace(page: Page, chart: str, index: int) -> dict[str, list[float]]:
    """x and y of one trace of a Plotly chart on the page."""
    return page.evaluate(
        "([chart, index]) => { const t = document.querySelector(`[data-testid=${chart}]`).data[index]; "
        "return { x: Array.from(t.x), y: Array.from(t.y) }; }",
        [chart, index],
    )


def test_run_with_100k_points_draws_a_thinned_loss_spanning_the_run_and_every_epoch(
    page: Page, api_server: LiveServer, long_run: int
) -> None:
    stored = httpx.get(f"{api_server.url}/api/runs/{long_run}/metrics", params={"names": "loss", "max_points": 2}).json()
    assert stored["series"]["loss"]["total"] == STEPS

    page.goto(f"{api_server.url}/runs/{long_run}")
    page.wait_for_selector(LOADED)
    loss = trace(page, "loss-chart", 0)
    # Thinned by the server to about 2,000 points that still span the whole run, each a stored point.
    assert 1_000 <= len(loss["x"]) <= 4_000
    assert loss["x"] == sorted(set(loss["x"]))
    assert loss["x"][0] <= STEPS // 1_000 and loss["x"][-1] >= STEPS - STEPS // 1_000
    assert loss["y"] == pytest.approx([loss_at(int(step)) for step in loss["x"]])
    epochs = list(range(1, EPOCHS + 1))
    for chart in ("accuracy-chart", "epoch-loss-chart"):
        assert trace(page, chart, 0)["x"] == epochs and trace(page, chart, 1)["x"] == epochs
    assert trace(page, "accuracy-chart", 1)["y"] == pytest.approx([1 - 0.95 / e for e in epochs])


def test_runs_page_lists_all_1000_runs_and_their_count(page: Page, api_server: LiveServer, many_runs: int) -> None:
    page.goto(f"{api_server.url}/")
    page.wait_for_selector(LOADED)
    assert page.locator("tr[data-run-id]").count() == many_runs
    assert page.text_content("[data-testid=runs-count]") == f"{many_runs} runs"


def test_runs_page_with_10000_runs_filtered_and_sorted_shows_the_api_s_selection_in_order(
    page: Page, api_server: LiveServer, many_runs: int
) -> None:
    insert_runs(api_server.folder / "trainboard.db", MANY_RUNS - many_runs)  # after the 1,000-run test above
    query = dict(pair.split("=") for pair in FILTERED_PAGE.removeprefix("/?").split("&"))
    first = httpx.get(f"{api_server.url}/api/runs", params={**query, "limit": 500}, timeout=30).json()
    assert first["count"] == (MANY_RUNS - many_runs + 2) // 3  # every third bulk run carries the tag

    page.goto(f"{api_server.url}{FILTERED_PAGE}")
    page.wait_for_selector(LOADED)
    assert page.text_content("[data-testid=runs-count]") == f"{first['count']} runs"
    shown = page.eval_on_selector_all("tr[data-run-id]", "rows => rows.map(r => Number(r.dataset.runId))")
    assert len(shown) == 1_000 and shown[:500] == [run["id"] for run in first["data"]]
    assert page.get_attribute("[data-testid=sort-best_test_acc]", "aria-sort") == "descending"
