"""Label a run inline (name, tags, note) and find runs again: filter by a tag chip, search, sort by a column, all in
the URL; export what the filters select; the keyboard on the runs page."""

from __future__ import annotations

import csv
import io
import re

import httpx
from console_watch import ConsoleWatch
from dashboard_api import create_run, get_run, wait_for_status
from live_server import LiveServer
from playwright.sync_api import Page

from tests.backend.backend_api import JSON

TINY = dict(dataset="synthetic", train_limit=256, test_limit=128, batch_size=32, epochs=1, log_every=4)


def shown_ids(page: Page) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all("tr[data-run-id]", "rows => rows.map(r => r.dataset.runId)")]


def api_ids(server: LiveServer, **params: object) -> list[int]:
    response = httpx.get(f"{server.url}/api/runs", params={"limit": 500, **params}, timeout=10)
    response.raise_for_status()
    return [run["id"] for run in response.json()["data"]]


def test_tag_a_run_inline_then_filter_the_runs_by_its_chip(page: Page, server: LiveServer, console: ConsoleWatch) -> None:
    console.allow("status of 422")  # the bad tag below: the server's answer names the field
    tagged = create_run(server.url, name="labels one", **TINY)
    other = create_run(server.url, name="labels two", **TINY)
    page.goto(f"{server.url}/runs/{tagged['id']}")
    page.wait_for_selector("#app[data-loaded=true]")

    page.fill("[data-testid=tag-input]", "aug-inline")
    page.press("[data-testid=tag-input]", "Enter")
    page.wait_for_selector("[data-testid=tag-chip][data-tag=aug-inline]")
    page.fill("[data-testid=tag-input]", "bad tag")
    page.press("[data-testid=tag-input]", "Enter")
    page.wait_for_selector("[data-testid=labels-error]:has-text('tags')")  # the 422 names the field
    page.click("[data-testid=rename-run]")
    page.fill("[data-testid=name-input]", "labels one renamed")
    page.press("[data-testid=name-input]", "Enter")
    page.wait_for_selector("[data-testid=run-title]:has-text('labels one renamed')")
    page.fill("[data-testid=note-input]", "baseline with *augmentation*")
    page.click("[data-testid=save-note]")
    page.wait_for_selector("[data-testid=note-state]:has-text('saved')")
    stored = get_run(server.url, tagged["id"])
    assert stored["tags"] == ["aug-inline"] and stored["name"] == "labels one renamed"
    assert stored["note"] == "baseline with *augmentation*"

    page.goto(f"{server.url}/")
    page.wait_for_selector("#app[data-loaded=true]")
    page.click(f"tr[data-run-id='{tagged['id']}'] [data-testid=row-tag][data-tag=aug-inline]")
    page.wait_for_url(re.compile(r"[?&]tag=aug-inline"))
    page.wait_for_selector(f"tr[data-run-id='{other['id']}']", state="detached")
    assert shown_ids(page) == [tagged["id"]]
    page.reload()  # the filter is in the URL
    page.wait_for_selector("#app[data-loaded=true]")
    assert shown_ids(page) == [tagged["id"]]
    assert page.text_content("[data-testid=active-tag]").startswith("aug-inline")

    # A run tagged elsewhere joins the filtered view live; the export link honours the filter.
    httpx.patch(f"{server.url}/api/runs/{other['id']}", json={"tags": ["aug-inline"]}, headers=JSON, timeout=10)
    page.wait_for_selector(f"tr[data-run-id='{other['id']}']")
    exported = page.request.get(server.url + page.get_attribute("[data-testid=export-csv]", "href"))
    rows = list(csv.DictReader(io.StringIO(exported.text())))
    assert sorted(int(row["id"]) for row in rows) == sorted([tagged["id"], other["id"]])
    page.click("[data-testid=active-tag]")  # drop the filter
    page.wait_for_function("() => !location.search.includes('tag=')")


def test_search_and_sort_by_best_accuracy_are_kept_in_the_url(page: Page, server: LiveServer) -> None:
    runs = [create_run(server.url, name=f"acc sort {i}", lr=lr, **TINY) for i, lr in enumerate((0.05, 0.001, 0.02))]
    for run in runs:
        wait_for_status(server.url, run["id"], timeout_s=120)
    page.goto(f"{server.url}/")
    page.wait_for_selector("#app[data-loaded=true]")

    page.press("body", "/")  # the shortcut focuses the search box
    assert page.evaluate("document.activeElement.dataset.testid") == "run-search"
    page.keyboard.type("ACC SORT")
    page.wait_for_url(re.compile(r"[?&]q=ACC"))
    page.wait_for_selector("#app[data-loaded=true]")
    assert sorted(shown_ids(page)) == sorted(run["id"] for run in runs)

    page.click("[data-testid=sort-best_test_acc]")  # first click: best first
    page.wait_for_url(re.compile(r"sort=-best_test_acc"))
    page.wait_for_selector("#app[data-loaded=true]")
    assert shown_ids(page) == api_ids(server, q="acc sort", sort="-best_test_acc")
    accuracies = [get_run(server.url, i)["best_test_acc"] for i in shown_ids(page)]
    assert accuracies == sorted(accuracies, reverse=True)
    assert page.get_attribute("[data-testid=sort-best_test_acc]", "aria-sort") == "descending"
    page.click("[data-testid=sort-best_test_acc]")  # second click: the other way
    page.wait_for_url(re.compile(r"sort=best_test_acc"))
    page.wait_for_selector("#app[data-loaded=true]")
    assert shown_ids(page) == api_ids(server, q="acc sort", sort="best_test_acc")

    page.reload()  # search and sort come back from the URL
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.input_value("[data-testid=run-search]") == "ACC SORT"
    assert shown_ids(page) == api_ids(server, q="acc sort", sort="best_test_acc")
    assert "sort=best_test_acc" in page.get_attribute("[data-testid=export-json]", "href")

    second = shown_ids(page)[1]
    page.press("body", "j")  # the keyboard: j to the first row, j again, k back up, j, enter opens it
    page.press("body", "j")
    page.press("body", "k")
    page.press("body", "j")
    assert page.get_attribute("tr.current", "data-run-id") == str(second)
    page.press("body", "Enter")
    page.wait_for_url(re.compile(rf"/runs/{second}$"))


def test_a_search_that_matches_nothing_says_so(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/?q=no-run-is-called-this")
    page.wait_for_selector("#app[data-loaded=true]")
    assert page.text_content("[data-testid=runs-empty]") == "No runs match these filters."
    assert page.locator("[data-testid=launch-link]").count() == 0
