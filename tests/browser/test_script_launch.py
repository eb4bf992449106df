"""A user's own script launched from the launch page's script tab: refused outside a worker's --scripts
folder, then run by such a worker with its output in the run's log."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from console_watch import ConsoleWatch
from dashboard_api import wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

from tests.e2e.cluster import WorkerProcess
from tests.polling import wait_until

SCRIPT = "import sys\nfor i in range(int(sys.argv[2])):\n    print(f'line {i} of', sys.argv[2], flush=True)\n"


@pytest.fixture
def scripts_worker(server: LiveServer, tmp_path: Path) -> Iterator[Path]:
    """A worker of the shared server that runs scripts from one folder, which holds hello.py."""
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "hello.py").write_text(SCRIPT)
    worker = WorkerProcess(server.url, tmp_path, "scripts-w", "--scripts", str(folder))

    def registered() -> bool:
        workers = httpx.get(f"{server.url}/api/workers", timeout=10).json()["data"]
        return any(w["name"] == "scripts-w" and w["alive"] for w in workers)

    wait_until(registered, "the scripts worker to register", timeout_s=120)
    yield folder
    worker.stop()


def test_a_script_launched_from_the_form_runs_on_a_scripts_worker(
    page: Page, server: LiveServer, console: ConsoleWatch, scripts_worker: Path
) -> None:
    console.allow("status of 422")  # the folder outside every worker's --scripts: the answer names cwd
    page.goto(f"{server.url}/launch?mode=script")
    page.wait_for_selector("#app[data-loaded=true] [data-testid=script-form]:not(.hidden)")
    page.wait_for_selector("[data-testid=script-workers]:has-text('scripts-w')")
    page.fill("[data-testid=script-command]", f"{sys.executable} hello.py --n {{n}}")
    page.fill("[data-testid=script-cwd]", "/tmp")
    page.fill("[data-testid=script-config]", '{"n": 3}')
    page.click("[data-testid=launch-submit]")
    page.wait_for_selector("[data-testid=error-script-cwd]:not(:empty)")

    page.fill("[data-testid=script-cwd]", str(scripts_worker))
    page.fill("[data-testid=script-name]", "hello from the form")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    run = wait_for_status(server.url, int(page.url.rsplit("/", 1)[1]), timeout_s=120)
    assert run["status"] == "succeeded" and run["kind"] == "script" and run["name"] == "hello from the form"
    page.reload()
    page.wait_for_selector("#app[data-loaded=true]")
    page.wait_for_selector("text=line 2 of 3")
