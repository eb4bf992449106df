"""A sweep started from the launch page's sweep tab, watched on its page: trials table, best so far, every
trial per epoch, parallel coordinates and parameter importance render in Chromium; the best config launches."""

from __future__ import annotations

import re

from console_watch import ConsoleWatch
from dashboard_api import get_run
from live_server import LiveServer
from playwright.sync_api import Page

TINY = dict(dataset="synthetic", train_limit=256, test_limit=128, batch_size=32, epochs=2, log_every=4)


def fill_tiny_config(page: Page) -> None:
    for field, value in TINY.items():
        selector = f"[data-testid=field-{field}]"
        if page.eval_on_selector(selector, "el => el.tagName") == "SELECT":
            page.select_option(selector, str(value))
        else:
            page.fill(selector, str(value))


def test_a_sweep_from_the_launch_tab_is_drawn_with_parallel_coordinates_and_importance(
    page: Page, server: LiveServer, console: ConsoleWatch
) -> None:
    console.allow("status of 422")  # the bad bound below: the server's answer names the row
    page.goto(f"{server.url}/launch?mode=sweep")
    page.wait_for_selector("#app[data-loaded=true]")
    fill_tiny_config(page)
    page.fill("[data-testid=field-name]", "browser sweep")
    page.fill("[data-testid=param-low]", "1e-3")
    page.fill("[data-testid=param-high]", "500")  # above lr's limit: refused at its row
    page.click("[data-testid=launch-submit]")
    page.wait_for_selector("[data-testid=param-error]:has-text('the config refuses lr=500.0')")
    page.fill("[data-testid=param-high]", "0.2")
    page.click("[data-testid=add-param]")  # momentum, uniform 0.8..0.99
    page.fill("[data-testid=sweep-trials]", "4")
    page.fill("[data-testid=sweep-parallel]", "1")
    page.select_option("[data-testid=sweep-pruner]", "none")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r"/sweeps/\d+$"))
    sweep_id = int(page.url.rsplit("/", 1)[1])
    page.wait_for_selector("#app[data-sweep-status=succeeded]", timeout=240_000)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=trial-row][data-state=complete]').length === 4")

    assert page.text_content("[data-testid=sweep-title]") == f"Sweep #{sweep_id} browser sweep"
    parcoords = page.evaluate("(() => { const d = document.querySelector('[data-testid=parcoords-chart]').data[0]; "
                              "return {type: d.type, labels: d.dimensions.map((x) => x.label), n: d.dimensions[0].values.length}; })()")
    assert parcoords == {"type": "parcoords", "labels": ["lr (log10)", "momentum", "test_acc"], "n": 4}
    page.wait_for_selector("[data-testid=parcoords-chart] .parcoords")  # Plotly drew it
    bars = page.evaluate("document.querySelector('[data-testid=importance-chart]').data[0]")
    assert sorted(bars["y"]) == ["lr", "momentum"] and abs(sum(bars["x"]) - 1) < 1e-6
    curves = page.evaluate("document.querySelector('[data-testid=trial-curves-chart]').data.map((t) => t.x)")
    assert curves == [[1, 2]] * 4
    best = page.evaluate("document.querySelector('[data-testid=best-so-far-chart]').data[0].y")
    assert len(best) == 4 and all(b >= a for a, b in zip(best, best[1:]))  # never worse: the best so far

    first_trial = page.get_attribute("[data-testid=trial-row] a", "href")
    page.click("[data-testid=trial-row] a")
    page.wait_for_url(re.compile(rf"{first_trial}$"))
    page.wait_for_selector(f"[data-testid=lineage-sweep] a[href='/sweeps/{sweep_id}']")
    assert page.text_content("[data-testid=lineage-sweep]").startswith("trial 0 of sweep")
    page.go_back()
    page.wait_for_selector("#app[data-loaded=true] [data-testid=train-best]:not(.hidden)")
    page.click("[data-testid=train-best]")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    run = get_run(server.url, int(page.url.rsplit("/", 1)[1]))
    assert run["name"].startswith("browser sweep: best (trial ") and run["config"]["epochs"] == 2

    page.goto(f"{server.url}/sweeps")
    page.wait_for_selector(f"[data-testid=sweep-row][data-sweep-id='{sweep_id}']")
