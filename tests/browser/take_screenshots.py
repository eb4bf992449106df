"""Writes docs/screenshots/*.png: every dashboard page, with tiny real runs trained by a local worker.

Run: `.venv/bin/python tests/browser/take_screenshots.py` (about a minute; starts and stops its own server).
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository root, for benchmarks.page_load

from chromium import launch_chromium  # noqa: E402
from dashboard_api import create_run, wait_for_status  # noqa: E402
from live_server import LiveServer  # noqa: E402

log = logging.getLogger(__name__)
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SMALL = dict(model="tutorial_cnn", dataset="synthetic", train_limit=2048, test_limit=512, batch_size=32, log_every=2)


def shoot(page: Page, url: str, name: str, full_page: bool = False) -> None:
    """Open url, wait for its data, save docs/screenshots/<name>.png."""
    page.goto(url)
    page.wait_for_selector("#app[data-loaded=true]")
    page.wait_for_timeout(400)  # let Plotly finish its transitions
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    log.info("wrote %s", OUT / f"{name}.png")


def shoot_evaluations(page: Page, url: str) -> None:
    """The run page's evaluations: the slider one epoch back, a confusion cell's mistakes open, an image's maps."""
    page.goto(url)
    page.wait_for_selector("#app[data-loaded=true]")
    page.wait_for_selector("[data-testid=confusion-chart][data-rendered=true]")
    page.focus("[data-testid=epoch-slider]")
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(400)
    x, y = page.evaluate("""() => {
      const el = document.querySelector('[data-testid=confusion-chart]');
      const box = el.querySelector('.nsewdrag').getBoundingClientRect();
      let [row, col, most] = [1, 0, -1];  // the off-diagonal cell with the most mistakes
      el.data[0].z.forEach((r, i) => r.forEach((n, j) => { if (i !== j && n > most) [row, col, most] = [i, j, n]; }));
      return [box.left + el._fullLayout.xaxis.l2p(col), box.top + el._fullLayout.yaxis.l2p(row)];
    }""")
    page.mouse.click(x, y)
    page.wait_for_selector("[data-testid=mistake-image]")
    page.click("[data-testid=mistake-image] >> nth=0")
    page.wait_for_timeout(400)
    # From the top of the evaluations panel to the bottom of the mistakes panel, in page coordinates.
    top, bottom = page.evaluate("""() => {
      const edge = (id) => document.querySelector(`[data-testid=${id}]`).getBoundingClientRect();
      return [edge('evaluations-panel').top + window.scrollY, edge('mistakes-panel').bottom + window.scrollY];
    }""")
    page.screenshot(path=str(OUT / "evaluations.png"), full_page=True,
                    clip={"x": 0, "y": top - 8, "width": 1400, "height": bottom - top + 16})
    log.info("wrote %s", OUT / "evaluations.png")


def wait_for_sweep(url: str, sweep_id: int, timeout_s: float = 600) -> None:
    """Poll the sweep until it has ended."""
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{url}/api/sweeps/{sweep_id}", timeout=10).json()["status"] == "running":
        if time.monotonic() > deadline:
            raise TimeoutError(f"sweep {sweep_id} still running after {timeout_s} s")
        time.sleep(1)


def main() -> None:
    """Train a few tiny runs, then photograph each page."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder), workers=1).start()
        try:
            url = server.url
            baseline = create_run(url, name="tutorial CNN, lr 0.01", lr=0.01, epochs=4, **SMALL)
            faster = create_run(url, name="tutorial CNN, lr 0.05", lr=0.05, epochs=4, **SMALL)
            finder = create_run(url, name="LR range test", kind="lr_find", num_iter=80, start_lr=1e-5, end_lr=10, **SMALL)
            for run in (baseline, faster, finder):
                wait_for_status(url, run["id"], timeout_s=300)
            group = httpx.post(f"{url}/api/groups", json={"name": "lr 0.05", "lr": 0.05, "epochs": 3, "seeds": 3, **SMALL},
                               timeout=10).json()["data"]
            slower = httpx.post(f"{url}/api/groups", json={"name": "lr 0.01", "lr": 0.01, "epochs": 3, "seeds": 3, **SMALL},
                                timeout=10).json()["data"]
            for run in group + slower:
                wait_for_status(url, run["id"], timeout_s=300)
            continued = httpx.post(f"{url}/api/runs/{baseline['id']}/continue", json={"epochs": 8, "lr": 0.002},
                                   timeout=10).json()
            wait_for_status(url, continued["id"], timeout_s=300)
            sweep = httpx.post(f"{url}/api/sweeps", json={
                "name": "lr and momentum", "base": {**SMALL, "epochs": 3}, "trials": 10, "parallel": 1,
                "space": {"lr": "log:1e-4:0.3", "momentum": "0.5:0.99"}, "pruner": "asha", "seed": 2,
            }, timeout=30).json()
            wait_for_sweep(url, sweep["id"])
            running = create_run(url, name="longer run (in progress)", lr=0.02, epochs=30, **SMALL)
            wait_for_status(url, running["id"], ("running",))
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                shoot(page, f"{url}/runs/{running['id']}", "run-live")
                shoot(page, f"{url}/", "runs")
                shoot(page, f"{url}/runs/{baseline['id']}", "run", full_page=True)
                shoot_evaluations(page, f"{url}/runs/{baseline['id']}")
                shoot(page, f"{url}/runs/{finder['id']}", "lr-finder")
                shoot(page, f"{url}/compare?ids={baseline['id']},{faster['id']}", "compare")
                seeds = ",".join(str(r["id"]) for r in group + slower)
                shoot(page, f"{url}/compare?ids={seeds}", "compare-seeds", full_page=True)
                shoot(page, f"{url}/runs/{continued['id']}", "run-continued")
                shoot(page, f"{url}/sweeps/{sweep['id']}", "sweep", full_page=True)
                page.emulate_media(color_scheme="dark")
                shoot(page, f"{url}/", "runs-dark")
                shoot(page, f"{url}/runs/{baseline['id']}", "run-dark")
                page.emulate_media(color_scheme="light")
                page.goto(f"{url}/launch?preset=resnet-24ep-aug")
                page.wait_for_selector("#app[data-loaded=true]")
                page.screenshot(path=str(OUT / "launch.png"), full_page=True)
                page.fill("#field-lr", "-1")
                page.fill("#field-batch_size", "100000")
                page.click("#launch-submit")
                page.wait_for_selector("#error-lr:not(:empty)")
                page.locator("fieldset[data-group=Optimization]").screenshot(path=str(OUT / "launch-errors.png"))
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
