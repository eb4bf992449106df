"""`trainboard tag` and `trainboard note` against a real server: add and remove tags, set a note, bad input."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.backend.backend_api import JSON
from tests.backend.backend_server import ServerProcess
from trainboard.cli.commands.annotate import changed_tags
from trainboard.cli.main import main

pytestmark = pytest.mark.e2e



def new_run(server: ServerProcess) -> int:
    response = httpx.post(f"{server.url}/api/runs", json={"dataset": "synthetic"}, headers=JSON, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def stored(server: ServerProcess, run_id: int) -> dict:
    return httpx.get(f"{server.url}/api/runs/{run_id}", timeout=10).json()


def test_tag_adds_tags_and_remove_takes_them_off(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = new_run(server)
    assert main(["tag", str(run_id), "baseline", "aug", "--server", server.url]) == 0
    assert main(["tag", str(run_id), "seed:1", "aug", "--server", server.url]) == 0
    assert stored(server, run_id)["tags"] == ["aug", "baseline", "seed:1"]
    assert main(["tag", str(run_id), "aug", "seed:1", "--remove", "--server", server.url]) == 0
    assert stored(server, run_id)["tags"] == ["baseline"]
    assert capsys.readouterr().out.splitlines()[-1] == f"run {run_id} tags: baseline"


def test_note_sets_and_clears_the_note(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = new_run(server)
    assert main(["note", str(run_id), "## lr sweep\nthe *baseline*", "--server", server.url]) == 0
    assert stored(server, run_id)["note"] == "## lr sweep\nthe *baseline*"
    assert main(["note", str(run_id), "", "--server", server.url]) == 0
    assert stored(server, run_id)["note"] == ""
    assert capsys.readouterr().out.splitlines()[-1] == f"run {run_id} note: 0 characters"


def test_a_bad_tag_or_an_unknown_run_is_one_line_and_changes_nothing(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = new_run(server)
    assert main(["tag", str(run_id), "has space", "--server", server.url]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: tags.0: String should match pattern") and "\n" not in error
    assert stored(server, run_id)["tags"] == []
    assert main(["note", "999999", "x", "--server", server.url]) == 1
    assert capsys.readouterr().err.strip() == "error: run 999999 not found"


def test_changed_tags_adds_or_removes_and_keeps_them_sorted_once() -> None:
    assert changed_tags(["b", "a"], ["c", "a"], remove=False) == ["a", "b", "c"]
    assert changed_tags(["a", "b"], ["b", "x"], remove=True) == ["a"]


def test_runs_lists_only_what_search_tag_and_sort_select(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = new_run(server), new_run(server)
    new_run(server)  # untagged: not listed
    for run_id in (first, second):
        assert main(["tag", str(run_id), "cli-list", "--server", server.url]) == 0
    capsys.readouterr()
    assert main(["runs", "--tag", "cli-list", "--search", "SYNTH", "--sort", "created_at", "--json",
                 "--server", server.url]) == 0
    page = json.loads(capsys.readouterr().out)
    assert [run["id"] for run in page["data"]] == [first, second] and page["count"] == 2
    assert main(["runs", "--sort", "colour", "--server", server.url]) == 2
    assert "sort must be one of name, created_at" in capsys.readouterr().err
