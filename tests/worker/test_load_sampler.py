"""The load sampler: CPU % and memory every few seconds, GPU figures only where there is a GPU."""

from __future__ import annotations

import logging

import pytest

from trainboard.worker.load_sampler import LoadSampler, gpu_reader

CPU_SERIES = {"system/cpu_percent", "system/rss_mb"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeGpu:
    def __init__(self) -> None:
        self.fail = False

    def read(self) -> dict[str, float]:
        if self.fail:
            raise RuntimeError("GPU is lost")
        return {"system/gpu_util_percent": 87.0, "system/gpu_memory_mb": 5120.0}


def test_on_the_cpu_there_are_no_gpu_series_not_even_zeros() -> None:
    assert gpu_reader("cpu") is None
    values = LoadSampler("cpu").sample()
    assert set(values) == CPU_SERIES
    assert values["system/rss_mb"] > 1  # this Python process holds more than a megabyte
    assert values["system/cpu_percent"] >= 0


def test_the_cpu_percent_counts_the_work_done_since_the_last_sample() -> None:
    sampler = LoadSampler("cpu")
    total = 0
    for i in range(3_000_000):  # busy on this core for a while
        total += i * i
    assert total > 0
    assert sampler.sample()["system/cpu_percent"] > 0


def test_samples_come_at_most_every_few_seconds_at_the_step_they_were_taken() -> None:
    clock = FakeClock()
    sampler = LoadSampler("cpu", every_s=5.0, clock=clock)
    first = sampler.points(step=0)
    assert {p.name for p in first} == CPU_SERIES and {p.step for p in first} == {0}
    clock.now += 4.9
    assert sampler.points(step=40) == []
    clock.now += 0.1
    assert {p.step for p in sampler.points(step=50)} == {50}


def test_a_gpu_adds_its_series_and_one_that_stops_answering_loses_them_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gpu = FakeGpu()
    sampler = LoadSampler("cuda:0", gpu=gpu)
    values = sampler.sample()
    assert values["system/gpu_util_percent"] == 87.0 and values["system/gpu_memory_mb"] == 5120.0
    gpu.fail = True
    with caplog.at_level(logging.WARNING):
        assert set(sampler.sample()) == CPU_SERIES
    assert "GPU load not read" in caplog.text
    assert set(sampler.sample()) == CPU_SERIES  # not tried again
