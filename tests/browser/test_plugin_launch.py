"""A plugin's network in the launch form: chosen from the networks live workers offer, its options rendered as
fields, a bad option shown next to them, and a launch that trains on the worker that loaded the plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from console_watch import ConsoleWatch
from dashboard_api import get_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

from tests.plugin_files.files import write_plugin, write_plugin_arrays
from tests.polling import wait_until


@pytest.fixture(scope="module")
def plugin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """`trainboard serve` whose local worker loads a plugin file (TRAINBOARD_PLUGINS); also the import markers."""
    folder = tmp_path_factory.mktemp("plugin-served")
    markers = folder / "imported-by"
    plugin = write_plugin(folder, marker_dir=markers)
    write_plugin_arrays(folder / "data")
    live = LiveServer(folder, workers=1, TRAINBOARD_PLUGINS=str(plugin)).start()
    yield live, markers
    live.stop()


def test_the_form_renders_a_plugin_networks_options_and_launches_it(
    page: Page, console: ConsoleWatch, plugin_server: tuple[LiveServer, Path]
) -> None:
    server, markers = plugin_server
    console.allow("status of 422")  # the bad option below is refused by the server, as it should be
    # The worker registers after importing torch and the plugin; the form offers what live workers offer.
    wait_until(lambda: "wide_cnn" in {m["name"] for m in httpx.get(f"{server.url}/api/models").json()["data"]},
               "the worker to offer wide_cnn", timeout_s=120)
    page.goto(f"{server.url}/launch")
    page.wait_for_selector("#app[data-loaded=true]")
    assert "plugin, 1 worker" in page.text_content("#field-model option[value=wide_cnn]")
    assert page.locator("[data-testid=model-args-none]").is_visible()  # tutorial_cnn has no options
    page.select_option("#field-model", "wide_cnn")
    assert page.input_value("[data-testid=model-arg-width]") == "8"
    assert float(page.input_value("[data-testid=model-arg-dropout]")) == 0.0
    page.select_option("#field-dataset", "plugin-bands")
    for field, value in (("epochs", "1"), ("batch_size", "16"), ("lr", "0.05")):
        page.fill(f"#field-{field}", value)
    page.fill("[data-testid=model-arg-width]", "2.5")
    page.click("#launch-submit")
    page.wait_for_selector("#error-model_args:not(:empty)")
    assert "model_args.width: expected int" in page.text_content("#error-model_args")

    page.fill("[data-testid=model-arg-width]", "5")
    page.click("#launch-submit")
    page.wait_for_url("**/runs/*")
    run_id = int(page.url.rsplit("/", 1)[1])
    done = wait_for_status(server.url, run_id, timeout_s=180)
    assert done["status"] == "succeeded", done["error"]
    assert get_run(server.url, run_id)["config"]["model_args"] == {"width": 5, "dropout": 0.0}
    page.wait_for_selector("[data-testid=run-status] >> text=succeeded")

    importers = {int(p.name) for p in markers.iterdir()}
    assert importers and server.process is not None and server.process.pid not in importers  # only the worker
