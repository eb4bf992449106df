"""The runs table follows runs live (created, running, finished) without a reload; filter; compare two ticked runs."""

from __future__ import annotations

import re

from dashboard_api import create_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

TINY = dict(dataset="synthetic", train_limit=512, test_limit=128, batch_size=32, epochs=2, log_every=2)


def test_runs_table_updates_live_and_compares_ticked_runs(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/")
    page.wait_for_selector("#app[data-loaded=true]")
    page.evaluate("window.sameDocument = true")

    first = create_run(server.url, name="live row a", lr=0.01, **TINY)
    second = create_run(server.url, name="live row b", lr=0.02, **TINY)
    row = f"tr[data-run-id='{first['id']}']"
    page.wait_for_selector(row)  # appeared from the `created` event
    assert page.locator("tr[data-run-id]").first.get_attribute("data-run-id") == str(second["id"])  # newest first
    page.wait_for_selector(f"{row}[data-status=succeeded]", timeout=90_000)
    page.wait_for_selector(f"tr[data-run-id='{second['id']}'][data-status=succeeded]", timeout=90_000)
    assert page.evaluate("window.sameDocument") is True  # no reload happened
    assert page.get_attribute(f"{row} [data-testid=progress]", "data-percent") == "100"
    assert "epoch 2/2" in page.text_content(f"{row} [data-testid=progress]")
    finished = wait_for_status(server.url, first["id"])
    shown_acc = page.text_content(f"{row} [data-testid=best-acc]")
    assert shown_acc == f"{finished['best_test_acc'] * 100:.1f} %"

    # Filter by status: only succeeded runs, and the URL says so.
    page.select_option("[data-testid=status-filter]", "cancelled")
    page.wait_for_selector(row, state="detached")
    assert "status=cancelled" in page.url
    statuses = set(page.eval_on_selector_all("tr[data-run-id]", "rows => rows.map(r => r.dataset.status)"))
    assert statuses <= {"cancelled"}
    page.select_option("[data-testid=status-filter]", "succeeded")
    page.wait_for_selector(row)

    # Tick both runs and compare them.
    assert page.is_disabled("[data-testid=compare-selected]")
    page.check(f"{row} [data-testid=select-run]")
    page.check(f"tr[data-run-id='{second['id']}'] [data-testid=select-run]")
    page.click("[data-testid=compare-selected]")
    page.wait_for_url(re.compile(rf"/compare\?ids={first['id']},{second['id']}$"))
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.evaluate("document.querySelector('[data-testid=compare-loss-chart]').data.length") == 2
    lr_cells = page.eval_on_selector_all("[data-testid=diff-lr] td", "cells => cells.map(c => c.textContent)")
    assert lr_cells == ["lr", "0.01", "0.02"]
    assert page.locator("[data-testid=diff-epochs]").count() == 0  # same in both: not listed
    assert page.locator("[data-testid=row-final-test] td").count() == 3
