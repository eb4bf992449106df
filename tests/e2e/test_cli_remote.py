"""End to end: `trainboard submit/runs/cancel/watch` against a real server and a real worker process."""

from __future__ import annotations

import pytest

from tests.e2e.cluster import TINY_RUN, Api, Cluster, wait_until
from trainboard.cli.main import main

pytestmark = pytest.mark.e2e

# TINY_RUN as command-line flags (its preset is the CLI's default).
TINY_FLAGS = [
    "--dataset", "synthetic", "--epochs", "2", "--train-limit", "1024", "--test-limit", "256", "--batch-size", "16",
    "--lr", "0.02", "--set", "normalize=dataset", "--set", "log_every=8",
]
assert TINY_RUN["preset"] == "origin-2ep"


def test_submit_and_watch_a_run_to_its_end_then_list_it(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    server = cluster.server()
    cluster.worker(server, "w1")
    assert main(["submit", "--server", server.url, *TINY_FLAGS, "--name", "cli run", "--watch"]) == 0
    out = capsys.readouterr().out.splitlines()
    run_id = int(out[0].split()[1])
    assert out[0] == f"run {run_id} queued: {server.url}/runs/{run_id}"
    assert f"run {run_id} running on w1 (cpu)" in out
    assert any(line.startswith("epoch 2/2: train loss") for line in out)  # the trainer's log, as it came
    assert out[-1].startswith(f"run {run_id} succeeded: test accuracy ")
    accuracy = float(out[-1].split()[-2])
    assert accuracy == pytest.approx(100 * Api(server.url).run(run_id)["summary"]["test_accuracy"], abs=0.05)

    assert main(["runs", "--server", server.url]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["id", "status", "kind"]
    assert table[1].split()[:5] == [str(run_id), "succeeded", "train", "cli", "run"]


def test_cancel_from_the_cli_and_watch_reports_it(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    server = cluster.server()
    cluster.worker(server, "w1")
    api = Api(server.url)
    assert main(["submit", "--server", server.url, *TINY_FLAGS, "--epochs", "200"]) == 0
    run_id = int(capsys.readouterr().out.split()[1])
    wait_until(lambda: api.run(run_id)["status"] == "running", "the run to start", timeout_s=60)
    assert main(["cancel", "--server", server.url, str(run_id)]) == 0
    assert capsys.readouterr().out.strip() == f"run {run_id} cancelled"
    assert main(["watch", "--server", server.url, str(run_id)]) == 1  # not a success
    assert capsys.readouterr().out.splitlines()[-1] == f"run {run_id} cancelled"


def test_bad_input_is_one_line_and_stores_nothing(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    server = cluster.server()
    api = Api(server.url)
    assert main(["submit", "--server", server.url, "--epochs", "0"]) == 2
    assert capsys.readouterr().err == "error: epochs: Input should be greater than 0\n"
    assert main(["submit", "--server", server.url, "--set", "colour=red"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: colour: unknown field; valid fields: preset, kind,") and "epochs" in err
    assert api.get("/api/runs")["count"] == 0

    assert main(["cancel", "--server", server.url, "41"]) == 1
    assert capsys.readouterr().err == "error: run 41 not found\n"
    assert main(["watch", "--server", server.url, "41"]) == 1
    assert capsys.readouterr().err == "error: run 41 not found\n"
    assert main(["runs", "--server", server.url, "--status", "sleeping"]) == 2
    assert "invalid choice: 'sleeping'" in capsys.readouterr().err


def test_an_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.backend.backend_server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    assert main(["runs", "--server", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot reach {url}: ") and err.count("\n") == 1


def test_the_token_comes_from_the_environment(
    cluster: Cluster, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = cluster.server(TRAINBOARD_TOKEN="s3cret")
    monkeypatch.delenv("TRAINBOARD_TOKEN", raising=False)
    assert main(["runs", "--server", server.url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "token" in err.lower() and err.count("\n") == 1
    monkeypatch.setenv("TRAINBOARD_TOKEN", "s3cret")
    monkeypatch.setenv("TRAINBOARD_SERVER", server.url)  # --server's default
    assert main(["runs"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[:2] == ["id", "status"]
