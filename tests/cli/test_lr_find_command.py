"""`trainboard lr-find`: the end-to-end command on the synthetic dataset, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trainboard.cli.commands.lr_find import suggestion_lines
from trainboard.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def test_lr_find_writes_json_and_html_and_prints_the_suggestions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "trainboard", "lr-find", "--preset", "origin-2ep", "--dataset", "synthetic",
        "--train-limit", "256", "--batch-size", "32", "--num-iter", "40", "--start-lr", "1e-4", "--end-lr", "10",
        "--mode", "exp", "--smooth", "0.1", "--diverge", "4", "--device", "cpu", "--out", str(out),
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr

    document = json.loads((out / "lr_curve.json").read_text())
    config = document["config"]
    assert config["kind"] == "lr_find" and config["model"] == "tutorial_cnn" and config["dataset"] == "synthetic"
    assert (config["num_iter"], config["start_lr"], config["smooth"], config["diverge"]) == (40, 1e-4, 0.1, 4.0)
    assert 10 <= len(document["lr"]) <= 40 and len(document["loss"]) == len(document["smoothed"]) == len(document["lr"])
    assert document["lr"][0] == 1e-4
    assert document["train_config"]["kind"] == "train" and document["train_config"]["model"] == "tutorial_cnn"

    stdout_lines = completed.stdout.splitlines()
    for rule, lr in document["suggestions"].items():
        expected = f"{rule:<12} {lr:.2e}" if lr is not None else f"{rule:<12} -"
        assert any(line.startswith(expected) for line in stdout_lines), (rule, completed.stdout)
    assert any(line.startswith("recommended") for line in stdout_lines)
    assert f"curve: {out / 'lr_curve.json'}" in stdout_lines
    assert "lr-find" in completed.stderr  # the progress bar

    html = (out / "lr_curve.html").read_text()
    assert '<script src="http' not in html  # plotly.js is inline: the page opens offline
    assert "plotly.js v" in html or "plotly.js" in html
    assert "smoothed loss" in html and '"type":"log"' in html


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--mode", "cosine"], "mode: Input should be 'exp' or 'linear'"),
        (["--preset", "nope"], "valid presets: origin-2ep"),
        (["--dataset", "imagenet"], "dataset: unknown dataset 'imagenet'; valid datasets: cifar10, fashion-mnist, synthetic, mnist"),
        (["--start-lr", "1", "--end-lr", "0.1"], "end_lr (0.1) must be greater than start_lr (1.0)"),
        (["--num-iter", "1"], "num_iter: Input should be greater than 1"),
        (["--smooth", "1.5"], "smooth: Input should be less than 1"),
        (["--num-iter", "many"], "--num-iter: invalid int value: 'many'"),
        (["--set", "colour=red"], "colour: unknown field; valid fields:"),
        (["--device", "cuda:7"], "device: 'cuda:7'"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if argv[:2] == ["--device", "cuda:7"]:
        import torch

        if torch.cuda.device_count() > 7:
            pytest.fail("this test needs a machine with fewer than 8 CUDA devices")
    code = main(["lr-find", "--dataset", "synthetic", "--out", str(tmp_path), *argv])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]
    assert not list(tmp_path.iterdir())  # nothing written


def test_suggestion_lines_explain_missing_rules_and_early_stops() -> None:
    payload = {
        "lr": [1e-3, 1e-2], "suggestions": {"steepest": None, "valley": None, "minimum": 1e-4},
        "recommended": "minimum", "recommended_lr": 1e-4, "disagreement": True, "stopped_early": True,
        "stop_detail": "loss became nan at lr 0.01 (iteration 3)", "train_config": {"lr": 1e-4},
    }
    lines = suggestion_lines(payload)
    assert lines[0].startswith("steepest     -")
    assert lines[2] == "minimum      1.00e-04"
    assert lines[3] == "recommended  1.00e-04  (minimum); training config lr 0.0001"
    assert "disagree by more than 10x" in lines[4]
    assert lines[5] == "stopped early after 2 steps: loss became nan at lr 0.01 (iteration 3)"

    payload.update(suggestions={"steepest": None, "valley": None, "minimum": None}, recommended=None,
                   recommended_lr=None, disagreement=False, stopped_early=False)
    assert suggestion_lines(payload)[-1].startswith("recommended  none")
