"""`trainboard submit --seeds` and `trainboard continue` against a real server: groups, children, bad input."""

from __future__ import annotations

import httpx
import pytest

from tests.backend.backend_api import checkpoint_bytes, claim, finish, register, upload
from tests.backend.backend_server import ServerProcess
from trainboard.cli.main import main

pytestmark = pytest.mark.e2e



def test_submit_with_seeds_queues_one_group(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["submit", "--preset", "fast", "--dataset", "synthetic", "--seed", "4", "--seeds", "3",
                 "--server", server.url]) == 0
    lines = capsys.readouterr().out.splitlines()
    group = int(lines[0].split()[2].rstrip(":"))
    assert lines[0] == f"seed group {group}: 3 runs" and len(lines) == 4
    runs = httpx.get(f"{server.url}/api/runs", params={"group": group, "sort": "created_at"}, timeout=10).json()["data"]
    assert [r["config"]["seed"] for r in runs] == [4, 5, 6]


def test_a_bad_seed_count_is_one_line_naming_the_field(server: ServerProcess, capsys: pytest.CaptureFixture[str]) -> None:
    before = httpx.get(f"{server.url}/api/runs", timeout=10).json()["count"]
    assert main(["submit", "--dataset", "synthetic", "--seeds", "1", "--server", server.url]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "seeds" in error and "2 to 32" in error
    assert httpx.get(f"{server.url}/api/runs", timeout=10).json()["count"] == before


def test_continue_queues_a_child_and_refuses_a_locked_field(
    server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        parent = client.post("/api/runs", json={"dataset": "synthetic", "epochs": 2}).json()
        worker = register(client, "cli-w")
        while (claimed := claim(client, worker)) and claimed["id"] != parent["id"]:
            finish(client, claimed["id"], worker)  # runs of the other tests of this module
        assert upload(client, parent["id"], worker, "checkpoint", content=checkpoint_bytes(epoch=2, step=20),
                      epoch=2, step=20).status_code == 200
        finish(client, parent["id"], worker)

    assert main(["continue", str(parent["id"]), "--epochs", "6", "--lr", "0.001", "--server", server.url]) == 0
    out = capsys.readouterr().out.strip()
    child_id = int(out.split()[1])
    assert f"(continues run {parent['id']})" in out
    child = httpx.get(f"{server.url}/api/runs/{child_id}", timeout=10).json()
    assert child["parent_id"] == parent["id"] and (child["config"]["epochs"], child["config"]["lr"]) == (6, 0.001)

    assert main(["continue", str(parent["id"]), "--set", "model=resnet9", "--epochs", "6", "--server", server.url]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and error.startswith("error: model: cannot change when continuing a run")
    assert main(["continue", str(parent["id"]), "--server", server.url]) == 2  # epochs still 2: nothing to train
    assert "epochs must be more than 2" in capsys.readouterr().err
    assert main(["continue", "99999", "--epochs", "3", "--server", server.url]) == 1
