"""The GPU check's CPU fallback: every check runs and agrees, every preset is measured, the table comes last."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from benchmarks.gpu_check import main
from benchmarks.loss_agreement import loss_trace, relative_gap

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_cpu_fallback_checks_agreement_and_measures_each_preset(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="benchmarks.gpu_check")
    assert main(["--quick", "--device", "cpu", "--out", str(tmp_path / "gpu.json")]) == 0
    results = json.loads((tmp_path / "gpu.json").read_text())
    assert results["device"] == "cpu" and results["ok"]
    assert [a["check"] for a in results["agreement"]] == ["bf16 vs fp32 loss", "compiled vs eager loss"]
    assert results["agreement"][1]["compile_s"] > 0  # compiling took longer than an eager first step
    assert [t["preset"] for t in results["throughput"]] == ["origin-2ep", "resnet-24ep", "fast"]
    assert all(t["trainer_images_per_s"] > 0 and t["bare_images_per_s"] > 0 for t in results["throughput"])
    assert results["fast_epoch"]["seconds"] > 0 and "not run here" in results["fast_epoch"]["airbench94_source"]
    table = caplog.records[-1].getMessage().splitlines()
    assert table[2] == "| check | measured | expected | status |"
    assert len(table) == 4 + 2 + 3 + 1 and table[-1].startswith("| `fast` preset, one CIFAR-10 epoch")


def test_asking_for_a_device_that_is_not_there_is_one_clear_error(caplog: pytest.LogCaptureFixture) -> None:
    absent = "cuda:99" if torch.cuda.is_available() else "cuda"
    assert main(["--device", absent]) == 2
    assert f"{absent} is not available here" in caplog.text and "--device cpu" in caplog.text


def test_losses_from_the_same_weights_and_batches_agree_and_a_change_of_seed_shows() -> None:
    first = loss_trace("tutorial_cnn", 8, 6, "cpu")
    again = loss_trace("tutorial_cnn", 8, 6, "cpu")
    assert first.losses == again.losses  # deterministic: the check compares like with like
    other = loss_trace("tutorial_cnn", 8, 6, "cpu", seed=1)
    assert relative_gap(first.losses, other.losses, tail=3)["first_step"] > 0
