"""The run page's epoch slider drives the confusion matrix, per-class accuracy and feature maps; a confusion cell
opens its misclassified test images, and an image opens its feature maps."""

from __future__ import annotations

import httpx
from dashboard_api import create_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

CELL_CENTRE = """([row, col]) => {
  const el = document.querySelector('[data-testid=confusion-chart]');
  const box = el.querySelector('.nsewdrag').getBoundingClientRect();
  const { xaxis, yaxis } = el._fullLayout;
  return [box.left + xaxis.l2p(col), box.top + yaxis.l2p(row)];
}"""


def _epochs(page: Page) -> list[str | None]:
    return [page.get_attribute(f"[data-testid={testid}]", "data-epoch")
            for testid in ("confusion-chart", "per-class-chart", "feature-maps")]


def _wait_epochs(page: Page, epoch: int) -> None:
    page.wait_for_function(
        """(epoch) => ['confusion-chart', 'per-class-chart', 'feature-maps'].every(
             (id) => document.querySelector(`[data-testid=${id}]`).dataset.epoch === String(epoch))""",
        arg=epoch,
    )


def test_the_slider_moves_all_three_panels_and_a_cell_shows_its_mistakes(page: Page, server: LiveServer) -> None:
    run = create_run(server.url, name="slider", dataset="synthetic", epochs=2, train_limit=256, test_limit=128,
                     batch_size=32, lr=0.002, log_every=4)
    assert wait_for_status(server.url, run["id"], timeout_s=120)["status"] == "succeeded"
    api = f"{server.url}/api/runs/{run['id']}"
    first = httpx.get(f"{api}/evaluation", params={"epoch": 1}).json()
    second = httpx.get(f"{api}/evaluation", params={"epoch": 2}).json()

    page.goto(f"{server.url}/runs/{run['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    _wait_epochs(page, 2)  # the latest evaluation by default
    assert page.text_content("[data-testid=epoch-label]").startswith("epoch 2 (step 16)")
    assert page.evaluate("document.querySelector('[data-testid=confusion-chart]').data[0].z") == second["matrix"]

    page.focus("[data-testid=epoch-slider]")
    page.keyboard.press("ArrowLeft")
    _wait_epochs(page, 1)
    assert _epochs(page) == ["1", "1", "1"]
    assert page.evaluate("document.querySelector('[data-testid=confusion-chart]').data[0].z") == first["matrix"]
    bars = page.evaluate("document.querySelector('[data-testid=per-class-chart]').data[0].y")
    assert bars == first["per_class"]
    history = page.evaluate("document.querySelector('[data-testid=per-class-history-chart]').data.map(t => t.y)")
    assert history == [[first["per_class"][i], second["per_class"][i]] for i in range(10)]

    page.click("[data-testid=epoch-play]")  # plays epoch 1 -> 2, then stops at the latest
    _wait_epochs(page, 2)
    page.wait_for_selector(".epoch-player[data-playing=false]")

    page.click("[data-testid=confusion-change]")
    page.wait_for_selector("[data-testid=confusion-chart][data-mode=change]")
    change = page.evaluate("document.querySelector('[data-testid=confusion-chart]').data[0]")
    assert change["zmid"] == 0
    row_share = lambda m, i, j: m[i][j] / sum(m[i]) if sum(m[i]) else 0  # noqa: E731
    assert abs(change["z"][0][0] - (row_share(second["matrix"], 0, 0) - row_share(first["matrix"], 0, 0))) < 1e-9

    mistakes = httpx.get(f"{api}/mistakes", params={"epoch": 2}).json()
    cell = next(c for c in mistakes["cells"] if c["images"])
    x, y = page.evaluate(CELL_CENTRE, [cell["true"], cell["predicted"]])
    page.mouse.click(x, y)
    page.wait_for_selector(f"[data-testid=mistakes][data-cell='{cell['true']},{cell['predicted']}']")
    shown = page.eval_on_selector_all("[data-testid=mistake-image]", "els => els.map(e => Number(e.dataset.index))")
    assert shown == [image["index"] for image in cell["images"]]
    assert page.locator("[data-testid=mistake-image] li").count() == 3 * len(shown)  # top-3 of each image

    page.click("[data-testid=mistake-image] >> nth=0")
    page.wait_for_selector(f"[data-testid=mistake-maps][data-index='{shown[0]}']")
    layers = page.eval_on_selector_all("[data-testid=mistake-maps] [data-testid=fmap-layer]", "els => els.map(e => e.dataset.layer)")
    assert layers == ["conv1", "conv2"]
