"""Seed groups on the compare page (mean with a band, mean +- std), continuing a finished run from its
checkpoint with a lower lr, and the dark theme, in Chromium."""

from __future__ import annotations

import re

from console_watch import ConsoleWatch
from dashboard_api import create_run, get_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

TINY = dict(dataset="synthetic", train_limit=256, test_limit=128, batch_size=32, epochs=1, log_every=4, lr=0.05)


def chart_traces(page: Page, testid: str) -> list[dict]:
    return page.evaluate(
        "(id) => document.querySelector(`[data-testid=${id}]`).data.map("
        "(t) => ({name: t.name, meta: t.meta || null, x: t.x, y: t.y, fill: t.fill || null}))",
        testid,
    )


def test_a_three_seed_group_launched_from_the_form_is_drawn_as_a_mean_with_a_band(
    page: Page, server: LiveServer, console: ConsoleWatch
) -> None:
    template = create_run(server.url, name="seeds template", **TINY)
    page.goto(f"{server.url}/launch?from={template['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    page.fill("[data-testid=field-name]", "three seeds")
    page.fill("[data-testid=launch-seeds]", "3")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r"/compare\?ids=\d+,\d+,\d+$"))
    ids = [int(i) for i in page.url.split("ids=")[1].split(",")]
    runs = [wait_for_status(server.url, run_id, timeout_s=240) for run_id in ids]
    assert [r["status"] for r in runs] == ["succeeded"] * 3
    assert [r["config"]["seed"] for r in runs] == [0, 1, 2] and {r["group_id"] for r in runs} == {ids[0]}

    page.reload()
    page.wait_for_selector("#app[data-loaded=true]")
    loss = chart_traces(page, "compare-loss-chart")
    assert [t["meta"] for t in loss] == ["band-loss", "band-loss", "mean-loss"]
    low, high, mean = loss
    assert high["fill"] == "tonexty" and len(mean["x"]) == 256 // 32
    assert all(lo <= m <= hi for lo, m, hi in zip(low["y"], mean["y"], high["y"]))
    assert any(hi > lo for lo, hi in zip(low["y"], high["y"]))  # three seeds: three different curves
    header = page.text_content(f"[data-testid=col-group-{ids[0]}]")
    assert header == f"group #{ids[0]} (3 seeds)"
    final = page.text_content("[data-testid=row-final-test] td.num")
    assert re.fullmatch(r"\d+\.\d ± \d+\.\d %", final), final

    page.select_option("[data-testid=compare-band]", "runs")  # every run on its own again
    page.wait_for_url(re.compile(r"band=runs"))
    page.wait_for_selector("#app[data-loaded=true]")
    assert len(chart_traces(page, "compare-loss-chart")) == 3


def test_continue_a_finished_run_with_a_lower_lr_and_its_loss_curve_goes_on_from_the_parents(
    page: Page, server: LiveServer, console: ConsoleWatch
) -> None:
    parent = wait_for_status(server.url, create_run(server.url, name="to continue", **TINY)["id"], timeout_s=240)
    assert parent["status"] == "succeeded"
    page.goto(f"{server.url}/runs/{parent['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    page.click("[data-testid=continue-run]")
    page.wait_for_url(re.compile(rf"/launch\?continue={parent['id']}$"))
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.is_disabled("[data-testid=field-model]") and page.is_disabled("[data-testid=field-dataset]")
    assert page.input_value("[data-testid=field-epochs]") == "2"
    page.fill("[data-testid=field-lr]", "0.005")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    child_id = int(page.url.rsplit("/", 1)[1])
    child = wait_for_status(server.url, child_id, timeout_s=240)
    assert child["status"] == "succeeded" and child["parent_id"] == parent["id"]
    assert child["config"]["lr"] == 0.005 and child["config"]["epochs"] == 2

    page.reload()
    page.wait_for_selector("#app[data-loaded=true] [data-testid=loss-chart] .plot-container")
    page.wait_for_function("() => document.querySelector('[data-testid=loss-chart]').data[0].x.length === 8")
    page.wait_for_function("() => document.querySelector('[data-testid=loss-chart]').data.length === 3")
    own, _smoothed, parent_curve = chart_traces(page, "loss-chart")
    assert own["x"] == list(range(9, 17))  # the parent's 8 steps, then 8 more
    assert parent_curve["meta"] == "parent-loss" and parent_curve["x"] == list(range(1, 9))
    assert page.get_attribute("[data-testid=lineage-parent] a", "href") == f"/runs/{parent['id']}"
    page.goto(f"{server.url}/runs/{parent['id']}")
    page.wait_for_selector(f"[data-testid=lineage-children] a[href='/runs/{child_id}']")


def test_the_theme_follows_the_system_and_the_switch_and_charts_follow_it(
    page: Page, server: LiveServer, console: ConsoleWatch
) -> None:
    run = wait_for_status(server.url, create_run(server.url, name="theme", **TINY)["id"], timeout_s=240)
    page.emulate_media(color_scheme="dark")
    page.goto(f"{server.url}/runs/{run['id']}")
    page.wait_for_selector("#app[data-loaded=true] [data-testid=loss-chart] .plot-container")
    assert page.get_attribute("html", "data-theme") == "dark"
    dark_plot = page.evaluate("document.querySelector('[data-testid=loss-chart]').layout.plot_bgcolor")
    dark_page = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    page.click("[data-testid=theme-switch]")  # system -> dark (chosen)
    page.click("[data-testid=theme-switch]")  # dark -> light
    assert page.get_attribute("[data-testid=theme-switch]", "data-choice") == "light"
    assert page.get_attribute("html", "data-theme") == "light"
    light_plot = page.evaluate("document.querySelector('[data-testid=loss-chart]').layout.plot_bgcolor")
    assert (dark_plot, light_plot) == ("#191f29", "#ffffff")
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") != dark_page
    page.reload()  # the choice is kept in this browser
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.get_attribute("html", "data-theme") == "light"
    page.click("[data-testid=theme-switch]")  # light -> system (dark here)
    assert page.get_attribute("html", "data-theme") == "dark"
    assert get_run(server.url, run["id"])["status"] == "succeeded"


def test_compare_with_puts_the_run_beside_the_newest_runs_of_its_preset(
    page: Page, server: LiveServer, console: ConsoleWatch
) -> None:
    same = [create_run(server.url, preset="origin-4ep", name=f"same preset {i}", **TINY) for i in range(3)]
    create_run(server.url, preset="origin-2ep", name="other preset", **TINY)
    page.goto(f"{server.url}/runs/{same[0]['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    page.click("[data-testid=compare-with]")
    page.wait_for_url(re.compile(r"/compare\?ids="))
    ids = [int(i) for i in page.url.split("ids=")[1].split(",")]
    assert ids[0] == same[0]["id"] and {r["id"] for r in same} <= set(ids) and len(ids) <= 5
    assert {get_run(server.url, run_id)["preset"] for run_id in ids} == {"origin-4ep"}  # other tests' runs too
