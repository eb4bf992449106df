"""A run whose worker vanished is resumed from its checkpoint: the open run page drops the points after it.

The two workers here are this test speaking the worker protocol (docs/protocol.md) through worker.client,
so the moment the lease runs out is under the test's control.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from dashboard_api import create_run
from live_server import LiveServer
from playwright.sync_api import Page

from tests.backend.backend_api import checkpoint_bytes
from trainboard.worker.client import BackendClient

LEASE_S = 1.0
STEPS_PER_EPOCH = 10


@pytest.fixture(scope="module")
def short_lease_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An API-only server whose leases expire after one second."""
    live = LiveServer(tmp_path_factory.mktemp("lease"), workers=0, TRAINBOARD_LEASE_S=str(LEASE_S)).start()
    yield live
    live.stop()


def loss_points(first: int, last: int) -> list[dict[str, float]]:
    """Loss points for steps first..last."""
    return [{"name": "loss", "step": s, "value": 2.0 / s} for s in range(first, last + 1)]


def drawn_x(page: Page, chart: str) -> list[int]:
    """The x values of a chart's first trace."""
    return page.evaluate(f"document.querySelector('[data-testid={chart}]').data[0].x")


def test_open_run_page_trims_points_after_the_checkpoint_when_the_run_resumes(
    page: Page, short_lease_server: LiveServer
) -> None:
    url = short_lease_server.url
    run = create_run(url, name="resumed", dataset="synthetic", epochs=3)
    first, second = BackendClient(url), BackendClient(url)
    try:
        first.register("first-worker", "cpu", {})
        claimed = first.claim()
        assert claimed is not None and claimed["id"] == run["id"]
        epoch_points = [{"name": "train_acc", "step": e, "value": 0.2 * e} for e in (1, 2)]
        first.ingest(run["id"], [{"seq": 1, "type": "metrics", "points": loss_points(1, 25) + epoch_points}])
        first.put_checkpoint(run["id"], checkpoint_bytes("after epoch 1"), epoch=1, step=STEPS_PER_EPOCH)

        page.goto(f"{url}/runs/{run['id']}")
        page.wait_for_selector("#app[data-loaded=true]")
        assert drawn_x(page, "loss-chart") == list(range(1, 26))
        assert drawn_x(page, "accuracy-chart") == [1, 2]

        # The first worker goes silent; once its lease is over, the second one gets the run back.
        time.sleep(LEASE_S * 1.5)
        second.register("second-worker", "cpu", {})
        resumed = second.claim()
        assert resumed is not None and resumed["id"] == run["id"]
        assert resumed["resume"] == {"epoch": 1, "step": STEPS_PER_EPOCH}
        page.wait_for_function(f"document.querySelector('[data-testid=loss-chart]').data[0].x.length === {STEPS_PER_EPOCH}")
        assert drawn_x(page, "accuracy-chart") == [1]  # epoch series keep what the checkpoint covers

        second.ingest(run["id"], [{"seq": resumed["next_seq"], "type": "metrics", "points": loss_points(11, 14)}])
        page.wait_for_function("document.querySelector('[data-testid=loss-chart]').data[0].x.length === 14")
        assert drawn_x(page, "loss-chart") == list(range(1, 15))
        assert "resumed from the checkpoint after epoch 1" in page.text_content("[data-testid=log]")
        second.finish(run["id"], "succeeded")
        page.wait_for_selector("[data-testid=run-status] [data-status=succeeded]")
    finally:
        first.close()
        second.close()
