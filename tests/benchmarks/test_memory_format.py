"""The memory-format benchmark measures every variant of a case side by side and reports compile time apart."""

from __future__ import annotations

import statistics

import pytest

from benchmarks.memory_format import VARIANTS, cases, run, variant_config
from benchmarks.run_all import table_rows
from benchmarks.trainer_throughput import Case

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = Case(preset="origin-2ep", model="tutorial_cnn", batch_size=4, device="cpu", warmup_steps=2, steps=3, rounds=2)


def test_default_cases_are_the_seed_resnet_and_resnet9_at_batch_64_on_the_cpu() -> None:
    found = cases(quick=True, devices=["cpu"])
    assert [(c.model, c.batch_size, c.device) for c in found] == [("seed_resnet", 64, "cpu"), ("resnet9", 64, "cpu")]
    assert list(VARIANTS) == ["eager", "channels_last", "compiled", "compiled_channels_last"]
    both = variant_config(found[0], "compiled_channels_last")
    assert both.compile and both.channels_last and both.model == "seed_resnet"
    assert not variant_config(found[0], "eager").compile


def test_tiny_run_reports_each_variant_its_rounds_and_the_compile_time() -> None:
    results = run(quick=True, measured_cases=[TINY], variants=("eager", "channels_last", "compiled"))
    (case,) = results["cases"]
    assert (case["model"], case["batch_size"], case["device_type"], case["reference"]) == ("tutorial_cnn", 4, "cpu", "eager")
    assert set(case["variants"]) == {"eager", "channels_last", "compiled"}
    for name, measured in case["variants"].items():
        assert measured["images_per_s"] > 0 and len(measured["round_images_per_s"]) == TINY.rounds
        assert len(measured["round_speedups"]) == TINY.rounds and measured["pooled_speedup"] > 0
        assert case["speedup"][name] == pytest.approx(statistics.median(measured["round_speedups"]))
        assert measured["first_step_s"] > 0
        assert ("compile_s" in measured) == (name == "compiled")
    assert case["speedup"]["eager"] == 1.0 and case["best"] in case["variants"]
    assert results["seed_resnet_cpu_speedup"] is None and results["meets_target"] is False  # not measured here
    (row,) = table_rows("memory_format", results)
    assert row.measure == "tutorial_cnn batch 4 on cpu: eager / channels-last / compiled"
    assert "img/s = 1.00 / " in row.result and "; compile " in row.result and row.status == ""
