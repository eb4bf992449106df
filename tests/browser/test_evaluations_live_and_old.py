"""Live evaluations move the slider only while it is on the latest; a run from before kept evaluations still shows
its single confusion, per-class and feature-map artifacts. The worker here is this test speaking the protocol."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from dashboard_api import create_run
from live_server import LiveServer
from playwright.sync_api import Page

from tests.backend.backend_api import checkpoint_bytes
from trainboard.worker.client import BackendClient

CLASSES = ["cat", "dog"]
PIXELS = "AAECAw=="  # base64 of the bytes 0, 1, 2, 3


@pytest.fixture(scope="module")
def api_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server without workers: the test claims its runs."""
    live = LiveServer(tmp_path_factory.mktemp("evaluations"), workers=0).start()
    yield live
    live.stop()


@pytest.fixture
def worker(api_only: LiveServer) -> Iterator[BackendClient]:
    client = BackendClient(api_only.url)
    client.register("test-worker", "cpu", {})
    yield client
    client.close()


def evaluation(epoch: int, right: int) -> dict[str, Any]:
    matrix = [[right, 4 - right], [1, 3]]
    maps = {"index": 0, "label": "cat", "input": {"shape": [1, 2, 2], "data": PIXELS},
            "layers": {"conv1": {"full_shape": [1, 2, 2], "shape": [1, 2, 2], "lo": [0], "hi": [1], "data": PIXELS}}}
    return {"epoch": epoch, "step": 10 * epoch, "split": "test", "classes": CLASSES, "matrix": matrix,
            "per_class": [right / 4, 0.75], "accuracy": (right + 3) / 8, "feature_maps": maps}


def slider_epoch(page: Page) -> str | None:
    return page.get_attribute(".epoch-player", "data-epoch")


def test_a_new_evaluation_moves_the_slider_only_from_the_latest(page: Page, api_only: LiveServer, worker: BackendClient) -> None:
    run = create_run(api_only.url, name="live evaluations", dataset="synthetic", epochs=4)
    assert worker.claim()["id"] == run["id"]
    worker.ingest(run["id"], [{"seq": 1, "type": "start", "info": {"classes": CLASSES}}])
    page.goto(f"{api_only.url}/runs/{run['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.text_content("[data-testid=epoch-label]") == "no evaluation yet"

    worker.put_artifact(run["id"], "evaluation", evaluation(1, 1))
    page.wait_for_selector("[data-testid=confusion-chart][data-epoch='1']")
    worker.put_artifact(run["id"], "evaluation", evaluation(2, 2))
    page.wait_for_selector("[data-testid=feature-maps][data-epoch='2']")  # it was on the latest: it follows
    assert slider_epoch(page) == "2"

    page.focus("[data-testid=epoch-slider]")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector("[data-testid=per-class-chart][data-epoch='1']")
    worker.put_artifact(run["id"], "evaluation", evaluation(3, 3))
    page.wait_for_function("document.querySelector('[data-testid=epoch-slider]').max === '2'")
    assert slider_epoch(page) == "1"  # the user looked back: a new evaluation does not pull the slider away
    assert page.get_attribute("[data-testid=confusion-chart]", "data-epoch") == "1"
    page.keyboard.press("End")
    page.wait_for_selector("[data-testid=confusion-chart][data-epoch='3']")
    worker.finish(run["id"], "succeeded")


def test_a_run_from_before_shows_its_single_artifacts(page: Page, api_only: LiveServer, worker: BackendClient) -> None:
    run = create_run(api_only.url, name="old run", dataset="synthetic", epochs=1)
    assert worker.claim()["id"] == run["id"]
    worker.put_artifact(run["id"], "confusion", {"classes": CLASSES, "matrix": [[3, 1], [0, 4]], "split": "test"})
    worker.put_artifact(run["id"], "per_class", {"classes": CLASSES, "accuracy": [0.75, 1.0], "split": "test"})
    old_maps = {"epoch": 1, "label": "cat", "input": [[[0.0, 0.5], [1.0, 0.25]]],
                "layers": {"conv1": {"shape": [2, 2, 2], "maps": [[[0.1, 0.2], [0.3, 0.4]], [[1, 2], [3, 4]]]}}}
    worker.put_artifact(run["id"], "feature_maps", old_maps)
    worker.finish(run["id"], "succeeded")

    page.goto(f"{api_only.url}/runs/{run['id']}")
    page.wait_for_selector("#app[data-loaded=true]")
    page.wait_for_selector("[data-testid=confusion-chart][data-rendered=true]")
    assert page.evaluate("document.querySelector('[data-testid=confusion-chart]').data[0].z") == [[3, 1], [0, 4]]
    page.wait_for_selector("[data-testid=per-class-chart][data-rendered=true]")
    page.wait_for_selector("[data-testid=feature-maps][data-rendered=true]")
    assert page.locator("[data-testid=fmap-layer] canvas").count() == 2
    assert page.text_content("[data-testid=epoch-label]") == "no evaluation yet"
    assert page.is_disabled("[data-testid=epoch-slider]")


@pytest.fixture(scope="module")
def short_lease(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server without workers whose leases expire after one second."""
    live = LiveServer(tmp_path_factory.mktemp("evaluations-lease"), workers=0, TRAINBOARD_LEASE_S="1").start()
    yield live
    live.stop()


def test_a_rewind_forgets_the_evaluations_after_the_checkpoint(page: Page, short_lease: LiveServer) -> None:
    url = short_lease.url
    run = create_run(url, name="rewound evaluations", dataset="synthetic", epochs=3)
    first, second = BackendClient(url), BackendClient(url)
    try:
        first.register("first-worker", "cpu", {})
        assert first.claim()["id"] == run["id"]
        first.put_checkpoint(run["id"], checkpoint_bytes("after epoch 1"), epoch=1, step=10)
        for epoch in (1, 2):
            first.put_artifact(run["id"], "evaluation", evaluation(epoch, epoch))
        page.goto(f"{url}/runs/{run['id']}")
        page.wait_for_selector("#app[data-loaded=true]")
        page.wait_for_selector("[data-testid=confusion-chart][data-epoch='2']")

        time.sleep(1.5)  # the first worker goes silent past its lease; the second gets the run from epoch 1
        second.register("second-worker", "cpu", {})
        assert second.claim()["resume"] == {"epoch": 1, "step": 10}
        page.wait_for_selector("[data-testid=confusion-chart][data-epoch='1']")
        assert page.text_content("[data-testid=epoch-label]").startswith("epoch 1 (step 10) · evaluation 1 of 1")
        second.finish(run["id"], "succeeded")
    finally:
        first.close()
        second.close()
