"""A run page shows losses long before log_every steps and says what the run is doing; a diverged run is
styled and filtered as such on the runs page and shows its reason on its own page."""

from __future__ import annotations

import httpx
from dashboard_api import create_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

from tests.backend.backend_api import JSON

STEPS_PER_EPOCH = 4096 // 2  # the synthetic set at batch 2: several seconds per epoch of the small ResNet

# [loss points drawn, highest step drawn, status shown, phase shown], every 50 ms.
START_SAMPLING = """() => {
  window.samples = [];
  setInterval(() => {
    const chart = document.querySelector('[data-testid=loss-chart]');
    const x = chart && chart.data ? chart.data[0].x : [];
    const status = document.querySelector('[data-testid=run-status] [data-status]');
    const phase = document.querySelector('[data-testid=run-phase]');
    window.samples.push([x.length, x.length ? Math.max(...x) : 0, status ? status.dataset.status : null,
                         phase ? phase.textContent : null]);
  }, 50);
}"""


def test_a_run_with_log_every_10000_draws_its_first_losses_long_before_step_10000(
    page: Page, server: LiveServer
) -> None:
    run = create_run(server.url, dataset="synthetic", model="seed_resnet", epochs=10, batch_size=2, lr=0.01,
                     test_limit=64, log_every=10_000)
    page.goto(f"{server.url}/runs/{run['id']}")
    page.wait_for_selector("[data-testid=loss-chart] .plot-container")
    page.evaluate(START_SAMPLING)
    page.wait_for_function("window.samples.some(([n, , status]) => n > 0 && status === 'running')", timeout=120_000)
    samples = page.evaluate("window.samples")
    drawn = [s for s in samples if s[0] > 0 and s[2] == "running"]
    assert drawn[0][1] < STEPS_PER_EPOCH  # before the epoch's end and long before log_every (10,000)
    page.wait_for_selector("[data-testid=run-phase]")
    assert page.text_content("[data-testid=run-phase]") == f"first epoch: evaluation after {STEPS_PER_EPOCH:,} steps"
    httpx.post(f"{server.url}/api/runs/{run['id']}/cancel", headers=JSON, timeout=10).raise_for_status()
    wait_for_status(server.url, run["id"], ("cancelled",), timeout_s=60)


def test_a_diverged_run_is_shown_and_filtered_as_diverged(page: Page, server: LiveServer) -> None:
    run = create_run(server.url, dataset="synthetic", epochs=2, train_limit=512, test_limit=64, batch_size=16,
                     lr=100.0, momentum=0.99, log_every=4, name="blows up")
    ended = wait_for_status(server.url, run["id"], timeout_s=120)
    assert ended["status"] == "diverged", ended["error"]
    page.goto(f"{server.url}/runs/{run['id']}")
    page.wait_for_selector("[data-testid=run-status] .badge.diverged")
    assert page.text_content("[data-testid=run-error]").startswith("training diverged: ")
    page.goto(f"{server.url}/")
    page.wait_for_selector(f"tr[data-run-id='{run['id']}'][data-status=diverged]")
    page.select_option("[data-testid=status-filter]", "diverged")
    page.wait_for_url("**status=diverged**")
    page.wait_for_function(
        "[...document.querySelectorAll('tr[data-run-id]')].every(r => r.dataset.status === 'diverged')"
    )
    statuses = set(page.eval_on_selector_all("tr[data-run-id]", "rows => rows.map(r => r.dataset.status)"))
    assert statuses == {"diverged"}
