"""The machine's load: a training run's page charts its system series, and the workers page lists each worker
with its device, its run and that run's live load; a CPU worker shows no GPU figures."""

from __future__ import annotations

import httpx
from dashboard_api import create_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

from tests.backend.backend_api import JSON

# [CPU % points drawn, RSS points drawn, GPU points drawn (both charts)] on the run page.
SYSTEM_POINTS = """() => {
  const usage = document.querySelector('[data-testid=system-usage-chart]').data;
  const memory = document.querySelector('[data-testid=system-memory-chart]').data;
  return [usage[0].x.length, memory[0].x.length, usage[1].x.length + memory[1].x.length];
}"""


def test_a_training_run_shows_its_load_on_its_page_and_on_the_workers_page(page: Page, server: LiveServer) -> None:
    run = create_run(server.url, dataset="synthetic", model="seed_resnet", epochs=10, batch_size=2, lr=0.01,
                     test_limit=64, log_every=10_000, name="load watch")
    try:
        page.goto(f"{server.url}/runs/{run['id']}")
        page.wait_for_selector("[data-testid=system-usage-chart] .plot-container")
        # Samples come every 5 s: wait for two drawn (the live stream extends the charts).
        page.wait_for_function(f"({SYSTEM_POINTS})()[0] >= 2", timeout=120_000)
        cpu_points, rss_points, gpu_points = page.evaluate(SYSTEM_POINTS)
        assert rss_points >= 2 and gpu_points == 0  # a CPU worker: no GPU series, not zeros

        page.click("[data-testid=nav-workers]")
        row = f"[data-testid=workers-table] tr:has([data-testid=worker-run]:text-is('#{run['id']}'))"
        page.wait_for_selector(f"{row} [data-testid=worker-load]:has-text('CPU')")
        load = page.text_content(f"{row} [data-testid=worker-load]")
        assert "RSS" in load and "MB" in load and "GPU" not in load
        assert page.text_content(f"{row} td:nth-child(2)") == "cpu"
    finally:
        httpx.post(f"{server.url}/api/runs/{run['id']}/cancel", headers=JSON, timeout=10).raise_for_status()
        wait_for_status(server.url, run["id"], ("cancelled",), timeout_s=60)
