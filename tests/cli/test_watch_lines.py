"""What `trainboard watch` makes of a run's event stream: SSE parsing and the lines printed."""

from __future__ import annotations

from trainboard.cli.rest_client import ServerEvent, parse_sse
from trainboard.cli.watch_lines import WatchPrinter, outcome_line


def test_sse_lines_become_events_with_ids_and_comments_are_skipped() -> None:
    lines = [
        ": keep-alive", "",
        "id: 7", "event: metrics", 'data: {"points": []}', "",
        "event: end", 'data: {"status":', 'data: "succeeded"}', "",
    ]
    assert list(parse_sse(iter(lines))) == [
        ServerEvent("metrics", {"points": []}, 7),
        ServerEvent("end", {"status": "succeeded"}, None),  # data lines are joined
    ]


def _progress(step: int, total: int = 100) -> ServerEvent:
    data = {"epoch": 1, "epochs": 2, "step": step, "total_steps": total, "images_per_s": 1650.4, "eta_s": 12.2}
    return ServerEvent("progress", data, step)


def test_progress_lines_carry_the_latest_loss_and_are_throttled_except_the_last() -> None:
    now = [0.0]
    printer = WatchPrinter(clock=lambda: now[0])
    loss_points = {"points": [{"name": "loss", "step": 9, "value": 1.5}, {"name": "loss", "step": 10, "value": 1.25}]}
    assert printer.lines(ServerEvent("metrics", loss_points, 1)) == []
    assert printer.lines(_progress(10)) == ["epoch 1/2  step 10/100  loss 1.2500  1,650 img/s  eta 12 s"]
    now[0] = 1.0
    assert printer.lines(_progress(20)) == []  # within 2 s of the last line
    assert printer.lines(_progress(100)) != []  # the last step always shows
    now[0] = 3.5
    assert printer.lines(_progress(30)) != []


def test_status_changes_print_once_and_the_finishing_one_is_left_to_the_outcome() -> None:
    printer = WatchPrinter(status="queued")
    run = {"id": 4, "worker": "w1", "device": "cuda:0 (NVIDIA H200)"}
    assert printer.lines(ServerEvent("status", {**run, "status": "queued"}, 1)) == []  # already shown
    assert printer.lines(ServerEvent("status", {**run, "status": "running"}, 2)) == [
        "run 4 running on w1 (cuda:0 (NVIDIA H200))"
    ]
    assert printer.lines(ServerEvent("status", {**run, "status": "running"}, 3)) == []
    assert printer.lines(ServerEvent("status", {**run, "status": "succeeded"}, 4)) == []
    assert printer.lines(ServerEvent("end", {"status": "succeeded"}, None)) == []
    assert printer.outcome == "succeeded"


def test_logs_rewinds_and_outcomes() -> None:
    printer = WatchPrinter()
    assert printer.lines(ServerEvent("log", {"level": "info", "message": "epoch 1/2: ok"}, 1)) == ["epoch 1/2: ok"]
    assert printer.lines(ServerEvent("log", {"level": "warning", "message": "slow"}, 2)) == ["warning: slow"]
    assert printer.lines(ServerEvent("log", {"level": "error", "message": "Traceback ..."}, 3)) == []
    assert printer.lines(ServerEvent("rewind", {"epoch": 1, "step": 64}, 4)) == [
        "resumed from the checkpoint after epoch 1 (step 64)"
    ]
    assert outcome_line({"id": 2, "status": "succeeded", "summary": {"test_accuracy": 0.8123}}) == (
        "run 2 succeeded: test accuracy 81.2 %"
    )
    assert outcome_line({"id": 2, "status": "failed", "error": "loss is nan at step 5"}) == (
        "run 2 failed: loss is nan at step 5"
    )
    assert outcome_line({"id": 2, "status": "cancelled"}) == "run 2 cancelled"


def test_a_progress_line_says_the_phase_and_a_diverged_run_its_reason() -> None:
    printer = WatchPrinter(clock=lambda: 0.0)
    loading = {"epoch": 0, "epochs": 2, "step": 0, "total_steps": 0, "images_per_s": None, "eta_s": None,
               "phase": "loading cifar10"}
    assert printer.lines(ServerEvent("progress", loading, 1)) == ["epoch 0/2  step 0/0  0 img/s  (loading cifar10)"]
    diverged = {"id": 4, "status": "diverged", "error": "training diverged: loss is nan at step 9 (lr 10)"}
    assert outcome_line(diverged) == "run 4 diverged: training diverged: loss is nan at step 9 (lr 10)"
