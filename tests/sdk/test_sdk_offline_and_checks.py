"""The SDK without a server: its checks on what a script logs, and the offline folder `trainboard sync` reads."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

import trainboard
from trainboard.sdk.live import ServerUnreachable
from trainboard.sdk.payloads import confusion_payload, feature_maps_payload, per_class_payload
from trainboard.sdk.sync import SYNC_POINTS, read_records, requests_of


def records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]


def unused_server() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed again: nothing listens there


def test_an_offline_run_writes_its_config_points_artifacts_and_end_to_a_folder(tmp_path: Path) -> None:
    with trainboard.init(name="n", config={"lr": 0.5}, mode="offline", dir=tmp_path, tags=["x"]) as run:
        assert run.id is None and run.url is None
        run.log({"train/loss": 2.0, "acc": 1})
        run.log({"train/loss": float("nan")}, step=7)
        run.log({"train/loss": 1.0})
        run.log_confusion([[1, 0], [0, 1]], ["a", "b"])
        run.log_text("hello", "warning")
    folder = run.offline_dir
    assert folder is not None and folder.parent == tmp_path
    meta = json.loads((folder / "run.json").read_text())
    assert (meta["name"], meta["config"], meta["tags"]) == ("n", {"lr": 0.5}, ["x"])
    kinds = [r["type"] for r in records(folder)]
    assert kinds[0] == "start" and kinds[-1] == "summary"
    points = [p for r in records(folder) if r["type"] == "metrics" for p in r["points"]]
    assert points == [{"name": "train/loss", "step": 1, "value": 2.0}, {"name": "acc", "step": 1, "value": 1.0},
                      {"name": "train/loss", "step": 7, "value": None}, {"name": "train/loss", "step": 8, "value": 1.0}]
    assert kinds.index("artifact") < kinds.index("log")  # in the order the script reported them
    assert json.loads((folder / "end.json").read_text()) == {"status": "succeeded", "error": None, "log": None}


def test_an_exception_in_the_block_ends_the_offline_run_failed_with_its_traceback(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        with trainboard.init(mode="offline", dir=tmp_path) as run:
            run.log({"loss": 1.0})
            raise KeyError("missing")
    assert run.offline_dir is not None
    end = json.loads((run.offline_dir / "end.json").read_text())
    assert end["status"] == "failed" and end["error"] == "KeyError: 'missing'"
    logs = [r["message"] for r in records(run.offline_dir) if r["type"] == "log"]
    assert "Traceback" in logs[-1] and "KeyError" in logs[-1]


def test_no_reachable_server_raises_unless_the_fallback_is_offline(tmp_path: Path) -> None:
    with pytest.raises(ServerUnreachable, match="no Trainboard server"):
        trainboard.init(server=unused_server())
    run = trainboard.init(server=unused_server(), fallback="offline", dir=tmp_path)
    run.log({"loss": 1.0})
    run.finish()
    assert run.offline_dir is not None and (run.offline_dir / "end.json").exists()


@pytest.mark.parametrize(
    ("metrics", "step", "error"),
    [
        ({"bad name!": 1.0}, None, "metric name 'bad name!'"),
        ({"loss": "high"}, None, "'loss' must be a number"),
        ({"loss": 1.0}, -1, "step must be an integer from 0"),
        ({"loss": 1.0}, 1.5, "step must be an integer"),
    ],
)
def test_a_bad_log_call_is_refused_in_the_script_naming_what_is_wrong(
    tmp_path: Path, metrics: dict[str, Any], step: Any, error: str
) -> None:
    run = trainboard.init(mode="offline", dir=tmp_path)
    with pytest.raises((ValueError, TypeError), match=error):
        run.log(metrics, step=step)
    run.finish()


def test_init_refuses_an_unknown_mode_listing_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="mode must be one of online, offline"):
        trainboard.init(mode="cloud")


def test_artifact_payloads_check_their_shapes() -> None:
    assert confusion_payload([[1, 2], [3, 4]], ["a", "b"])["matrix"] == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="2 x 2"):
        confusion_payload([[1, 2, 3]], ["a", "b"])
    assert per_class_payload({"a": 0.5, "b": 1.0})["accuracy"] == [0.5, 1.0]
    with pytest.raises(ValueError, match="not percent"):
        per_class_payload([50, 90], ["a", "b"])
    maps = feature_maps_payload({"conv1": [[[0.0, 2.0], [1.0, 1.0]]]}, label="cat")
    assert maps["layers"]["conv1"]["shape"] == [1, 2, 2]
    assert maps["input"] == [[[0.0, 1.0], [0.5, 0.5]]]  # the first map, scaled to [0, 1], stands in for the image
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        feature_maps_payload({"fc": [1.0, 2.0]})


def test_sync_sends_a_few_thousand_points_a_request_in_the_logged_order(tmp_path: Path) -> None:
    run = trainboard.init(mode="offline", dir=tmp_path)
    for step in range(1, 6001):
        run.log({"a": step, "b": -step}, step=step)
    run.log_text("end")
    run.finish()
    assert run.offline_dir is not None
    sent = list(requests_of(read_records(run.offline_dir), max_events=10_000))
    counts = [sum(len(e.get("points", [])) for e in batch) for _, batch in sent]
    assert counts == [SYNC_POINTS, SYNC_POINTS, 12_000 - 2 * SYNC_POINTS]
    points = [(p["name"], p["step"]) for _, batch in sent for e in batch for p in e.get("points", [])]
    assert points == [(n, s) for s in range(1, 6001) for n in ("a", "b")]
    assert sent[-1][1][-2]["type"] == "log" and sent[-1][1][-1]["type"] == "summary"


def test_sync_of_a_folder_without_offline_runs_is_one_line_and_exit_code_2(tmp_path: Path, capsys: Any) -> None:
    from trainboard.cli.main import main

    assert main(["sync", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "no offline run here" in err and "\n" not in err


def test_config_added_after_init_is_recorded_in_order_for_sync(tmp_path: Path) -> None:
    with trainboard.init(config={"lr": 0.1}, mode="offline", dir=tmp_path) as run:
        run.update_config({"hidden": 8})
    assert run.offline_dir is not None
    assert [r["config"] for r in records(run.offline_dir) if r["type"] == "config"] == [{"hidden": 8}]


@pytest.mark.parametrize(("ending", "status"), [("", "succeeded"), ("raise RuntimeError('late')", "failed")])
def test_a_script_that_never_finishes_its_run_ends_it_at_exit(tmp_path: Path, ending: str, status: str) -> None:
    import subprocess
    import sys

    code = f"import trainboard\nrun = trainboard.init(mode='offline', dir={str(tmp_path)!r})\nrun.log({{'a': 1}})\n{ending}\n"
    subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    (folder,) = tmp_path.iterdir()
    end = json.loads((folder / "end.json").read_text())
    assert end["status"] == status
    if status == "failed":
        assert end["error"] == "RuntimeError: late"
    assert [p["value"] for r in records(folder) if r["type"] == "metrics" for p in r["points"]] == [1.0]
