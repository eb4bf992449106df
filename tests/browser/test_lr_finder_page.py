"""An LR range test launched from the form draws its curve live, marks its suggestions, and hands its LR to a training run."""

from __future__ import annotations

import math
import re

from dashboard_api import cancel_run, get_run
from live_server import LiveServer
from playwright.sync_api import Page

ITERATIONS = 30


def test_lr_finder_ends_and_train_with_this_lr_launches_that_lr(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/launch")
    page.wait_for_selector("#app[data-loaded=true]")
    page.click("[data-testid=kind-lr_find]")
    assert page.is_visible("#field-num_iter") and page.is_visible("#field-end_lr")
    page.select_option("#field-dataset", "synthetic")
    page.fill("#field-train_limit", "512")
    page.fill("#field-batch_size", "32")
    page.fill("#field-num_iter", str(ITERATIONS))
    page.fill("#field-start_lr", "1e-5")
    page.fill("#field-end_lr", "10")
    page.click("#launch-submit")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    finder_id = int(page.url.rsplit("/", 1)[1])

    page.wait_for_selector("[data-testid=lr-curve-chart][data-final=true]", timeout=120_000)
    chart = page.evaluate(
        """() => { const el = document.querySelector('[data-testid=lr-curve-chart]');
                   return {xtype: el.layout.xaxis.type, lr: el.data[0].x, shapes: el.layout.shapes.length}; }"""
    )
    assert chart["xtype"] == "log"
    assert 5 < len(chart["lr"]) <= ITERATIONS and chart["lr"] == sorted(chart["lr"])
    finder = get_run(server.url, finder_id)
    assert finder["kind"] == "lr_find" and finder["status"] == "succeeded"
    suggestions = {rule: lr for rule, lr in finder["summary"]["suggestions"].items() if lr}
    assert chart["shapes"] == len(suggestions)  # one marker per suggested LR
    recommended = finder["summary"]["recommended"]
    shown_lr = float(page.get_attribute(f"[data-testid=suggestion-{recommended}]", "data-lr"))
    assert math.isclose(shown_lr, suggestions[recommended])

    page.click("[data-testid=train-with-lr]")
    page.wait_for_url(re.compile(r"/launch\?lrfind="))
    page.wait_for_selector("#app[data-loaded=true]")
    assert math.isclose(float(page.input_value("#field-lr")), suggestions[recommended])
    assert page.input_value("#field-dataset") == "synthetic"
    assert not page.is_visible("#field-num_iter")  # a training run now
    page.click("#launch-submit")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    train_id = int(page.url.rsplit("/", 1)[1])
    page.wait_for_selector("[data-testid=loss-chart] .plot-container")
    trained = get_run(server.url, train_id)
    cancel_run(server.url, train_id)  # the launch is what this test checks; free the worker for the others
    assert trained["kind"] == "train"
    assert math.isclose(trained["config"]["lr"], suggestions[recommended])
    # The run records which suggestion its lr came from (a divergence names it).
    assert trained["config"]["lr_suggestion"].startswith(f"{recommended} suggestion of LR range test #{finder['id']}")
    assert trained["config"]["train_limit"] == 512 and trained["config"]["batch_size"] == 32
