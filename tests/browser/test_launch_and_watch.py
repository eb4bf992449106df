"""Launch a preset from the form, watch the loss chart grow while the run trains, then see its results."""

from __future__ import annotations

import re

import httpx
from dashboard_api import get_run
from live_server import LiveServer
from playwright.sync_api import Page

# Samples, every 50 ms in the page: [loss points drawn, status shown, same plot DOM as at the first sample].
# The plot DOM stays the same node only if new points went in with extendTraces (newPlot rebuilds it).
START_SAMPLING = """() => {
  window.samples = [];
  setInterval(() => {
    const chart = document.querySelector('[data-testid=loss-chart]');
    const plot = chart && chart.querySelector('.plot-container');
    if (plot && !window.firstPlot) window.firstPlot = plot;
    const status = document.querySelector('[data-testid=run-status] [data-status]');
    window.samples.push([chart && chart.data ? chart.data[0].x.length : -1, status ? status.dataset.status : null,
                         !plot || plot === window.firstPlot]);
  }, 50);
}"""

TRAIN_IMAGES = 4096  # about 800 steps: several seconds of training, so the page sees it grow
TEST_IMAGES = 256
BATCH = 16
EPOCHS = 3


def test_preset_launched_from_form_trains_live_and_shows_results(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/launch")
    page.wait_for_selector("#app[data-loaded=true]")
    page.click("[data-testid=preset-origin-2ep]")
    # The preset filled the form...
    assert page.input_value("#field-model") == "tutorial_cnn"
    assert page.input_value("#field-batch_size") == "4"
    assert page.input_value("#field-log_every") == "500"
    # ...and every field stays editable: shrink it to a run of a few seconds on the synthetic data.
    page.select_option("#field-dataset", "synthetic")
    page.fill("#field-train_limit", str(TRAIN_IMAGES))
    page.fill("#field-test_limit", str(TEST_IMAGES))
    page.fill("#field-batch_size", str(BATCH))
    page.fill("#field-epochs", str(EPOCHS))
    page.fill("#field-log_every", "4")
    page.click("#launch-submit")

    page.wait_for_url(re.compile(r"/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    page.wait_for_selector("[data-testid=loss-chart] .plot-container")
    page.evaluate(START_SAMPLING)
    page.wait_for_selector("[data-testid=run-status] [data-status=succeeded]", timeout=120_000)
    page.wait_for_selector("[data-testid=confusion-chart][data-rendered=true]")
    page.wait_for_selector("[data-testid=feature-maps][data-rendered=true]")
    # The slider stayed on the latest evaluation, so each new one moved it along: it ends on the last epoch.
    page.wait_for_selector(f".epoch-player[data-epoch='{EPOCHS}']")
    samples = page.evaluate("window.samples")

    # The chart gained points between two moments at which the run was still running.
    grew_while_running = any(
        before[1] == after[1] == "running" and after[0] > before[0] >= 0 for before, after in zip(samples, samples[1:])
    )
    assert grew_while_running, f"loss points while running: {[s[0] for s in samples if s[1] == 'running']}"
    assert all(same for _, _, same in samples), "the loss chart was redrawn instead of extended"

    run = get_run(server.url, run_id)
    assert run["preset"] == "origin-2ep"
    assert run["config"]["dataset"] == "synthetic" and run["config"]["batch_size"] == BATCH
    assert run["config"]["lr"] == 0.001  # from the preset
    # Every step's loss is on the chart exactly once: what was loaded plus what streamed in.
    steps = EPOCHS * TRAIN_IMAGES // BATCH
    drawn_steps = page.evaluate("document.querySelector('[data-testid=loss-chart]').data[0].x")
    assert drawn_steps == list(range(1, steps + 1))
    metrics = httpx.get(f"{server.url}/api/runs/{run_id}/metrics", params={"names": "loss"}).json()
    assert metrics["series"]["loss"]["total"] == steps

    # Confusion matrix: counts over the whole test subset, then rows normalized to 1.
    counts = page.evaluate("document.querySelector('[data-testid=confusion-chart]').data[0].z")
    assert len(counts) == 10 and sum(map(sum, counts)) == TEST_IMAGES
    page.click("[data-testid=confusion-normalized]")
    page.wait_for_selector("[data-testid=confusion-chart][data-normalized=true]")
    rows = page.evaluate("document.querySelector('[data-testid=confusion-chart]').data[0].z")
    for row, count_row in zip(rows, counts):
        assert abs(sum(row) - 1.0) < 1e-9 if sum(count_row) else sum(row) == 0

    # Feature maps after conv1 and conv2, one canvas per channel, next to the input image.
    assert page.locator("[data-testid=fmap-input] canvas").count() == 1
    layers = page.eval_on_selector_all(
        "[data-testid=fmap-layer]", "els => els.map(e => [e.dataset.layer, e.querySelectorAll('canvas').length])"
    )
    assert layers == [["conv1", 6], ["conv2", 16]]
    bars = page.evaluate("document.querySelector('[data-testid=per-class-chart]').data[0].y.length")
    assert bars == 10
    assert page.text_content("[data-testid=card-test]") != "–"
