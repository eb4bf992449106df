"""`trainboard sweep` against a real server and worker: the sweep it starts, --watch to the end, bad input."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.cluster import Cluster
from trainboard.cli.main import main

pytestmark = pytest.mark.e2e

TINY = ["--dataset", "synthetic", "--epochs", "2", "--train-limit", "256", "--test-limit", "64", "--batch-size", "32"]


def test_sweep_watch_prints_each_trial_and_the_best(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    server = cluster.server()
    cluster.worker(server, "w1")
    code = main(["sweep", "--preset", "origin-2ep", *TINY, "--param", "lr=log:1e-3:1e-1", "--param",
                 "pad_crop=choice:true,false", "--trials", "3", "--parallel", "1", "--pruner", "none",
                 "--name", "cli sweep", "--watch", "--server", server.url])
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    assert re.fullmatch(rf"sweep (\d+): 3 trials, 1 at once, tpe \+ none: {server.url}/sweeps/\1", out[0])
    completes = [line for line in out if re.fullmatch(r"trial \d \(run \d+\) complete: test_acc \d+\.\d %", line)]
    assert len(completes) == 3
    assert re.fullmatch(r"sweep \d+ succeeded: best trial \d \(run \d+\), test_acc \d+\.\d % with lr=\S+ pad_crop=\w+",
                        out[-1])
    sweep = httpx.get(f"{server.url}/api/sweeps", timeout=10).json()["data"][0]
    assert sweep["name"] == "cli sweep" and sweep["base"]["epochs"] == 2 and sweep["base"]["train_limit"] == 256
    assert sweep["space"]["pad_crop"] == {"type": "choice", "choices": [True, False]}


def test_bad_params_are_one_line_errors_and_start_nothing(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    server = cluster.server()
    assert main(["sweep", "--param", "lr=log:0:1", "--server", server.url]) == 2
    assert capsys.readouterr().err.strip() == "error: --param lr: log needs low > 0, got 0.0"
    assert main(["sweep", "--param", "lr", "--server", server.url]) == 2
    assert "expected FIELD=SPEC" in capsys.readouterr().err
    assert main(["sweep", *TINY, "--param", "lr=log:1e-3:500", "--server", server.url]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and error.startswith("error: space.lr: the config refuses lr=500.0")
    assert main(["sweep", "--param", "lr=0.1:0.2", "--pruner", "patience", "--server", server.url]) == 2
    assert "invalid choice: 'patience'" in capsys.readouterr().err
    assert httpx.get(f"{server.url}/api/sweeps", timeout=10).json()["count"] == 0
