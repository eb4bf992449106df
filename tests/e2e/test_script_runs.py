"""End to end: a run of kind `script` launched over the API, run by a worker started with --scripts.

Its output streams to the run's log, the SDK inside it attaches to the launched run, cancel stops it and
its children within the grace period, and a folder outside the allowed ones is refused: at launch when no
live worker allows it, on the worker when only a link makes it look inside.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.cluster import Api, Cluster, wait_until

pytestmark = pytest.mark.e2e

TRAIN_PY = '''
import subprocess, sys, time
import trainboard

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
steps = int(args["--steps"])
print(f"training with lr {args['--lr']}", flush=True)
print(f"note {args['--note']!r}", flush=True)
print("a line on stderr", file=sys.stderr, flush=True)
with trainboard.init(config={"from_the_script": 1}) as run:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)"])
    print(f"pids {subprocess.os.getpid()} {child.pid}", flush=True)
    for step in range(1, steps + 1):
        run.log({"train/loss": 1.0 / step}, step=step)
        time.sleep(0.01)
    child.kill()
'''
COMMAND = f"{sys.executable} train.py --lr {{lr}} --steps {{steps}} --note {{note}}"


@pytest.fixture
def scripts_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "allowed"
    folder.mkdir()
    (folder / "train.py").write_text(TRAIN_PY)
    return folder


def launch(api: Api, **body: Any) -> httpx.Response:
    return httpx.post(f"{api.url}/api/runs/script", json=body, timeout=10)


def log_text(api: Api, run_id: int) -> str:
    return "\n".join(line["message"] for line in api.get(f"/api/runs/{run_id}/logs")["data"])


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_for_worker(api: Api) -> None:
    wait_until(lambda: api.get("/api/workers")["count"] >= 1, "the worker to register", timeout_s=120)


def test_a_script_run_streams_its_output_and_the_sdk_inside_reports_to_it(cluster: Cluster, scripts_dir: Path) -> None:
    server = cluster.server()
    worker = cluster.worker(server, "w1", "--scripts", str(scripts_dir))
    api = Api(server.url)
    wait_for_worker(api)
    answer = launch(api, command=COMMAND, cwd=str(scripts_dir), config={"lr": 0.5, "steps": 40, "note": "a b; echo hacked"})
    assert answer.status_code == 201, answer.text
    run = answer.json()
    assert (run["kind"], run["status"]) == ("script", "queued")
    done = api.wait_status(run["id"], {"succeeded", "failed", "cancelled"}, 120)
    assert done["status"] == "succeeded", log_text(api, run["id"]) + worker.log()
    text = log_text(api, run["id"])
    assert "training with lr 0.5" in text and "a line on stderr" in text
    assert "note 'a b; echo hacked'" in text  # one argument, never a shell command
    assert api.series(run["id"], "train/loss")[0] == list(range(1, 41))  # the SDK attached to the launched run
    assert done["config"]["from_the_script"] == 1 and done["config"]["command"] == COMMAND


def test_cancel_stops_the_script_and_its_children_within_the_grace_period(cluster: Cluster, scripts_dir: Path) -> None:
    server = cluster.server()
    cluster.worker(server, "w1", "--scripts", str(scripts_dir))
    api = Api(server.url)
    wait_for_worker(api)
    run = launch(api, command=COMMAND, cwd=str(scripts_dir), config={"lr": 1, "steps": 10**6, "note": "x"},
                 grace_s=2).json()
    line = wait_until(lambda: next((ln for ln in log_text(api, run["id"]).splitlines() if ln.startswith("pids ")), None),
                      "the script to start its child", timeout_s=120)
    script_pid, child_pid = (int(p) for p in line.split()[1:])
    assert alive(script_pid) and alive(child_pid)
    assert api.post(f"/api/runs/{run['id']}/cancel").status_code == 200
    wait_until(lambda: not alive(script_pid) and not alive(child_pid), "the script and its child to end", timeout_s=60)
    assert api.run(run["id"])["status"] == "cancelled"


def test_a_folder_outside_the_allowed_ones_is_refused_at_launch_or_on_the_worker(
    cluster: Cluster, scripts_dir: Path, tmp_path: Path
) -> None:
    server = cluster.server()
    api = Api(server.url)
    body = {"command": COMMAND, "config": {"lr": 1, "steps": 5, "note": "x"}}
    refused = launch(api, cwd=str(scripts_dir), **body)  # no live worker runs scripts at all
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "cwd"]
    assert "--scripts" in refused.json()["detail"][0]["msg"]
    worker = cluster.worker(server, "w1", "--scripts", str(scripts_dir))
    wait_for_worker(api)
    escaped = launch(api, cwd=f"{scripts_dir}/../", **body)  # '..' is resolved before the check
    assert escaped.status_code == 422 and escaped.json()["detail"][0]["loc"] == ["body", "cwd"]
    missing = launch(api, cwd=str(scripts_dir), command=f"{sys.executable} train.py --lr {{lr}}", config={})
    assert missing.status_code == 422 and "{lr} is not in config" in missing.text
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "train.py").write_text(TRAIN_PY)
    os.symlink(outside, scripts_dir / "link")  # inside as written, outside once the link is followed
    run = launch(api, cwd=str(scripts_dir / "link"), **body).json()
    failed = api.wait_status(run["id"], {"failed", "succeeded"}, 120)
    assert failed["status"] == "failed", worker.log()
    assert "outside the folders this worker runs scripts from" in failed["error"]
    assert "training with" not in log_text(api, run["id"])  # it never ran


def test_a_script_that_exits_with_an_error_code_fails_its_run(cluster: Cluster, scripts_dir: Path) -> None:
    server = cluster.server()
    cluster.worker(server, "w1", "--scripts", str(scripts_dir))
    api = Api(server.url)
    wait_for_worker(api)
    run = launch(api, command=f'{sys.executable} -c "import sys; print(\'bye\'); sys.exit(3)"',
                 cwd=str(scripts_dir)).json()
    done = api.wait_status(run["id"], {"failed", "succeeded"}, 120)
    assert done["status"] == "failed" and "exit code 3" in done["error"]
    assert "bye" in log_text(api, run["id"])
