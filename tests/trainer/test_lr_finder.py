"""The LR range test: lr sequences, smoothing, early stops, exact restore, no retained graphs, the full run."""

from __future__ import annotations

import copy
import gc
import json
import math
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
import torch
from torch import nn

from trainboard.trainer.config import LRFindConfig, TrainConfig
from trainboard.trainer.lr_finder import (
    STOP_DIVERGED,
    STOP_NON_FINITE,
    STOP_REQUESTED,
    SWEEP_FIELDS,
    range_test,
    run_lr_find,
    training_config_for,
)
from trainboard.trainer.lr_smoothing import LossSmoother, smooth_losses
from trainboard.trainer.lr_sweep import sweep_lr, sweep_lrs
from trainboard.trainer.sink import MetricPoint, RecordingSink

pytestmark = pytest.mark.usefixtures("one_thread")  # the test machines have few cores, shared with other jobs

# ------------------------------------------------------------------------------------------ tiny tasks


def _regression_batches(n: int = 2048, dims: int = 8, batch: int = 64) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """y = x . w + small noise with x ~ N(0, I): SGD on the MSE converges for lr up to about 1/2 and diverges past 1."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, dims, generator=generator)
    w = torch.randn(dims, 1, generator=generator)
    y = x @ w + 0.01 * torch.randn(n, 1, generator=generator)
    return [(x[i : i + batch], y[i : i + batch]) for i in range(0, n, batch)]


def _square_of_weight() -> tuple[nn.Module, list[tuple[torch.Tensor, torch.Tensor]]]:
    """loss = w ** 2 with w = 1: an SGD step multiplies w by (1 - 2 lr), so the loss grows once lr > 1."""
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(1.0)
    return model, [(torch.ones(1, 1), torch.zeros(1, 1))]


def _bn_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(0.2), nn.Flatten(), nn.Linear(256, 3)
    )


def _image_batches(count: int = 4) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(1)
    return [(torch.randn(16, 3, 8, 8, generator=generator), torch.randint(0, 3, (16,), generator=generator))
            for _ in range(count)]


class _RecordingLoss:
    """A loss function that notes the optimizer's lr at each call and keeps weak references to the losses."""

    def __init__(self, loss_fn: Any, optimizer: torch.optim.Optimizer) -> None:
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.lrs: list[float] = []
        self.loss_refs: list[weakref.ref] = []
        self.alive_at_call: list[int] = []

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        self.alive_at_call.append(sum(ref() is not None for ref in self.loss_refs))
        self.lrs.append(self.optimizer.param_groups[0]["lr"])
        loss = self.loss_fn(output, target)
        self.loss_refs.append(weakref.ref(loss))
        return loss


# ------------------------------------------------------------------------------------------ lr sequences


def test_exp_sweep_is_geometric_from_start_to_end() -> None:
    lrs = sweep_lrs(1e-3, 10.0, 5, "exp")
    assert lrs[0] == 1e-3 and lrs[-1] == 10.0
    assert lrs == pytest.approx([1e-3, 1e-2, 1e-1, 1.0, 10.0], rel=1e-12)
    n, start, end = 7, 1e-7, 3.0
    assert sweep_lrs(start, end, n, "exp")[1:-1] == [start * (end / start) ** (i / (n - 1)) for i in range(1, n - 1)]


def test_linear_sweep_is_evenly_spaced_from_start_to_end() -> None:
    lrs = sweep_lrs(0.1, 0.5, 5, "linear")
    assert lrs[0] == 0.1 and lrs[-1] == 0.5
    assert lrs == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5], rel=1e-12)
    n, start, end = 7, 1e-4, 2.0
    assert sweep_lrs(start, end, n, "linear")[1:-1] == [start + (end - start) * i / (n - 1) for i in range(1, n - 1)]


def test_sweep_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="num_iter"):
        sweep_lrs(1e-3, 1.0, 1)
    with pytest.raises(ValueError, match="mode"):
        sweep_lrs(1e-3, 1.0, 5, "cosine")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="start_lr"):
        sweep_lrs(1.0, 1e-3, 5)
    with pytest.raises(ValueError, match="outside"):
        sweep_lr(5, 5, 1e-3, 1.0)


@pytest.mark.parametrize("mode", ["exp", "linear"])
def test_range_test_trains_each_step_at_the_swept_lr(mode: str) -> None:
    torch.manual_seed(0)
    model = nn.Linear(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = _RecordingLoss(nn.MSELoss(), optimizer)
    result = range_test(model, optimizer, loss_fn, _regression_batches(), start_lr=1e-4, end_lr=1e-2, num_iter=12,
                        mode=mode, diverge=1e9)  # type: ignore[arg-type]
    expected = sweep_lrs(1e-4, 1e-2, 12, mode)  # type: ignore[arg-type]
    assert result.lrs == expected
    assert loss_fn.lrs == expected
    assert result.stopped_early is False and result.stop_reason is None
    assert optimizer.param_groups[0]["lr"] == 0.5  # restored


# ------------------------------------------------------------------------------------------ smoothing


def test_smoothing_is_a_bias_corrected_ema() -> None:
    # f = 0.5: avg = 0.5, 1.25, 2.125; corrections 1 - 0.5 ** k = 0.5, 0.75, 0.875.
    assert smooth_losses([1.0, 2.0, 3.0], 0.5) == pytest.approx([1.0, 5 / 3, 17 / 7], rel=1e-12)
    # Bias correction: a constant loss stays constant from the first point (an uncorrected EMA starts at 0.1).
    assert smooth_losses([2.0, 2.0, 2.0], 0.05) == pytest.approx([2.0, 2.0, 2.0], rel=1e-12)
    assert smooth_losses([3.0, 1.0, 4.0], 0.0) == [3.0, 1.0, 4.0]  # 0 = no smoothing
    with pytest.raises(ValueError, match="smooth"):
        LossSmoother(1.0)


def test_range_test_records_the_smoothed_loss_of_its_raw_losses() -> None:
    torch.manual_seed(0)
    model = nn.Linear(8, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    result = range_test(model, optimizer, nn.MSELoss(), _regression_batches(), start_lr=1e-4, end_lr=0.1,
                        num_iter=20, smooth=0.3, diverge=1e9)
    assert result.smoothed == pytest.approx(smooth_losses(result.losses, 0.3), rel=1e-12)
    assert result.smoothed != result.losses


# ------------------------------------------------------------------------------------------ early stops


def test_range_test_stops_when_the_loss_diverges() -> None:
    model, batches = _square_of_weight()
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), batches,
                        start_lr=1e-3, end_lr=1e6, num_iter=60, smooth=0.05, diverge=5.0)
    assert result.stopped_early is True
    assert result.stop_reason == STOP_DIVERGED
    assert result.iterations < 60
    assert result.lrs[-1] > 1.0  # w ** 2 only grows once an SGD step overshoots, at lr > 1
    best_before = min(result.smoothed[:-1])
    assert result.smoothed[-1] > 5.0 * best_before
    assert all(s <= 5.0 * min(result.smoothed[: i + 1]) for i, s in enumerate(result.smoothed[:-1]))
    assert "exceeded 5 x" in (result.stop_detail or "")
    assert model.weight.item() == 1.0  # restored


def test_range_test_stops_at_a_non_finite_loss_and_records_only_finite_points() -> None:
    model, batches = _square_of_weight()
    sink = RecordingSink()
    # From lr 10 every step multiplies w by at least 19, so float32 overflows long before the loss is
    # 1e300 x its best (the first loss, 1): the non-finite check, not the divergence check, ends the sweep.
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), batches,
                        start_lr=10.0, end_lr=1e10, num_iter=60, diverge=1e300, sink=sink)
    assert result.stop_reason == STOP_NON_FINITE
    assert 0 < result.iterations < 60
    assert all(math.isfinite(v) for v in result.losses + result.smoothed)
    assert all(math.isfinite(p.value) for p in sink.points)
    json.dumps(result.payload(), allow_nan=False)  # strict JSON: no NaN or Infinity
    assert model.weight.item() == 1.0
    assert sink.logs and "stopped early" in sink.logs[-1][1]


def test_range_test_with_a_non_finite_first_loss_returns_an_empty_curve() -> None:
    model = nn.Linear(2, 1)
    before = copy.deepcopy(model.state_dict())
    batches = [(torch.full((4, 2), float("nan")), torch.zeros(4, 1))]
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), batches,
                        start_lr=1e-3, end_lr=1.0, num_iter=10)
    assert result.stop_reason == STOP_NON_FINITE
    assert result.lrs == [] and result.losses == [] and result.smoothed == []
    assert result.suggestions.recommended is None
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_range_test_honours_should_stop() -> None:
    class StopAfterThree(RecordingSink):
        def should_stop(self) -> bool:
            return len(self.progress) >= 3

    torch.manual_seed(0)
    model = nn.Linear(8, 1)
    sink = StopAfterThree()
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), _regression_batches(),
                        start_lr=1e-4, end_lr=1.0, num_iter=50, sink=sink)
    assert result.stopped_early is True and result.stop_reason == STOP_REQUESTED
    assert result.iterations == 3


# ------------------------------------------------------------------------------------------ restore


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam"])
def test_range_test_restores_parameters_buffers_optimizer_and_rng_bitwise(optimizer_name: str) -> None:
    model = _bn_net()
    if optimizer_name == "sgd":
        optimizer: torch.optim.Optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = _image_batches()
    for inputs, targets in batches[:2]:  # give the optimizer state (momentum / moments) and BN statistics
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(inputs), targets).backward()
        optimizer.step()
    model.eval()
    model_before = copy.deepcopy(model.state_dict())
    optimizer_before = copy.deepcopy(optimizer.state_dict())
    rng_before = torch.get_rng_state()

    result = range_test(model, optimizer, nn.CrossEntropyLoss(), batches, start_lr=1e-3, end_lr=10.0, num_iter=15)

    assert result.iterations > 0
    after = model.state_dict()
    assert set(after) == set(model_before)
    for name, tensor in model_before.items():  # weights, BN running_mean / running_var / num_batches_tracked
        assert torch.equal(after[name], tensor), name
    optimizer_after = optimizer.state_dict()
    assert optimizer_after["param_groups"] == optimizer_before["param_groups"]
    assert optimizer_after["state"].keys() == optimizer_before["state"].keys()
    for index, state in optimizer_before["state"].items():
        for key, value in state.items():
            assert torch.equal(optimizer_after["state"][index][key], value), (index, key)
    assert model.training is False
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(torch.get_rng_state(), rng_before)


def test_range_test_restores_the_model_when_a_step_fails() -> None:
    def failing_batches() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        yield from _image_batches(2)
        raise RuntimeError("data source failed")

    model = _bn_net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(RuntimeError, match="data source failed"):
        range_test(model, optimizer, nn.CrossEntropyLoss(), failing_batches(), start_lr=1e-3, end_lr=1.0, num_iter=10)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert optimizer.state_dict()["state"] == {}
    assert optimizer.param_groups[0]["lr"] == 0.01


# ------------------------------------------------------------------------------------------ data cycling


def test_range_test_cycles_the_batches_with_a_new_epoch_each_pass() -> None:
    class Batches:
        def __init__(self) -> None:
            self.epochs: list[int] = []
            self.items = _image_batches(3)

        def __len__(self) -> int:
            return len(self.items)

        def set_epoch(self, epoch: int) -> None:
            self.epochs.append(epoch)

        def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
            return iter(self.items)

    batches = Batches()
    sink = RecordingSink()
    model = _bn_net()
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.01), nn.CrossEntropyLoss(), batches,
                        start_lr=1e-4, end_lr=1e-2, num_iter=10, diverge=1e9, sink=sink)
    assert result.iterations == 10
    assert batches.epochs == [0, 1, 2, 3]  # passes of 3, 3, 3 and 1 batches
    assert [p.epoch for p in sink.progress] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4]
    assert {p.epochs for p in sink.progress} == {4}


def test_range_test_rejects_an_exhausted_iterator() -> None:
    model = _bn_net()
    with pytest.raises(ValueError, match="no batches"):
        range_test(model, torch.optim.SGD(model.parameters(), lr=0.01), nn.CrossEntropyLoss(),
                   iter(_image_batches(3)), start_lr=1e-4, end_lr=1e-2, num_iter=10, diverge=1e9)


# ------------------------------------------------------------------------------------------ streaming and memory


def test_each_point_is_streamed_as_it_is_measured() -> None:
    class Checking(RecordingSink):
        def on_metrics(self, points: list[MetricPoint]) -> None:
            # One call per iteration, with that iteration's three series, before the next step runs.
            assert [p.name for p in points] == ["lrf_lr", "lrf_loss", "lrf_smoothed"]
            assert {p.step for p in points} == {len(self.progress) + 1}
            super().on_metrics(points)

    torch.manual_seed(0)
    model = nn.Linear(8, 1)
    sink = Checking()
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), _regression_batches(),
                        start_lr=1e-4, end_lr=0.1, num_iter=25, diverge=1e9, sink=sink)
    assert sink.series("lrf_lr") == result.lrs
    assert sink.series("lrf_loss") == result.losses
    assert sink.series("lrf_smoothed") == result.smoothed
    assert [p.step for p in sink.progress] == list(range(1, 26))
    assert {p.total_steps for p in sink.progress} == {25}
    assert sink.progress[-1].eta_s == 0.0


def test_no_graph_or_tensor_outlives_its_step() -> None:
    class CountingTensors(RecordingSink):
        def __init__(self) -> None:
            super().__init__()
            self.live_tensors: list[int] = []

        def on_metrics(self, points: list[MetricPoint]) -> None:
            super().on_metrics(points)
            if points[0].step in (6, 30):  # a full heap walk costs a fraction of a second: two are enough
                gc.collect()
                self.live_tensors.append(sum(issubclass(type(o), torch.Tensor) for o in gc.get_objects()))

    model = _bn_net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = _RecordingLoss(nn.CrossEntropyLoss(), optimizer)
    sink = CountingTensors()
    result = range_test(model, optimizer, loss_fn, _image_batches(), start_lr=1e-5, end_lr=1e-3, num_iter=30,
                        diverge=1e9, sink=sink)
    assert result.iterations == 30
    assert max(loss_fn.alive_at_call) == 0  # the previous step's loss (and its graph) is gone before the next
    assert all(ref() is None for ref in loss_fn.loss_refs)
    first, last = sink.live_tensors  # after steps 6 and 30: nothing accumulates (Adam's state exists by step 6)
    assert first == last
    assert all(type(v) is float for v in result.lrs + result.losses + result.smoothed)
    assert all(type(p.value) is float for p in sink.points)


# ------------------------------------------------------------------------------------------ suggestion quality


def test_recommended_lr_lies_in_the_falling_part_of_a_known_task() -> None:
    torch.manual_seed(0)
    model = nn.Linear(8, 1)
    result = range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.MSELoss(), _regression_batches(4096),
                        start_lr=1e-4, end_lr=100.0, num_iter=100)
    assert result.stop_reason == STOP_DIVERGED
    lr = result.suggestions.recommended_lr
    assert lr is not None
    # Plain SGD on this least-squares task learns fast between lr 0.01 and its stability limit near 1.
    assert 0.01 <= lr <= 1.0
    index = result.lrs.index(lr) if lr in result.lrs else min(range(result.iterations),
                                                              key=lambda i: abs(math.log(result.lrs[i] / lr)))
    lowest = result.smoothed.index(min(result.smoothed))
    assert index < lowest
    assert result.smoothed[index + 1] < result.smoothed[index] < result.smoothed[index - 1] < result.smoothed[0]


# ------------------------------------------------------------------------------------------ the full run


def test_run_lr_find_reports_the_curve_and_a_ready_training_config(synthetic_data: Any) -> None:
    config = LRFindConfig(model="tutorial_cnn", dataset="synthetic", train_limit=512, batch_size=32, start_lr=1e-4,
                          end_lr=10.0, num_iter=30, device="cpu", seed=3)
    sink = RecordingSink()
    result = run_lr_find(config, sink, data=synthetic_data)

    assert sink.info["kind"] == "lr_find"
    assert sink.info["model"] == "tutorial_cnn" and sink.info["train_images"] == 512
    assert sink.info["total_steps"] == 30
    assert sink.series("lrf_lr") == result.lrs and len(result.lrs) >= 10
    payload = sink.artifacts["lr_curve"]
    assert payload["lr"] == result.lrs and payload["smoothed"] == result.smoothed
    assert set(payload["suggestions"]) == {"steepest", "valley", "minimum"}
    assert payload["recommended"] == result.suggestions.recommended
    json.dumps(payload, allow_nan=False)

    train_config = TrainConfig.model_validate(payload["train_config"])
    assert train_config.kind == "train"
    assert not set(SWEEP_FIELDS) & set(payload["train_config"])
    assert (train_config.model, train_config.dataset, train_config.batch_size, train_config.train_limit) == (
        "tutorial_cnn", "synthetic", 32, 512)
    recommended_lr = payload["recommended_lr"]
    assert recommended_lr is not None
    assert train_config.lr == float(f"{recommended_lr:.2g}")

    assert sink.summary is not None
    assert sink.summary["kind"] == "lr_find" and sink.summary["iterations"] == result.iterations
    assert sink.summary["train_config"] == payload["train_config"]


def test_run_lr_find_stopped_on_request_sends_the_partial_curve_but_no_end(synthetic_data: Any) -> None:
    class StopAfterFour(RecordingSink):
        def should_stop(self) -> bool:
            return len(self.progress) >= 4

    config = LRFindConfig(model="tutorial_cnn", dataset="synthetic", train_limit=64, batch_size=16, num_iter=20,
                          device="cpu")
    sink = StopAfterFour()
    result = run_lr_find(config, sink, data=synthetic_data)
    assert result.stopped_by_request is True
    assert sink.artifacts["lr_curve"]["stop_reason"] == STOP_REQUESTED
    assert len(sink.artifacts["lr_curve"]["lr"]) == 4
    assert sink.summary is None  # on_end means "finished normally", as for training runs


def test_training_config_keeps_the_lr_without_a_suggestion_and_caps_huge_ones() -> None:
    config = LRFindConfig(dataset="synthetic", lr=0.02, end_lr=1e4)
    assert training_config_for(config, None)["lr"] == 0.02
    assert training_config_for(config, 500.0)["lr"] == 100.0
    assert training_config_for(config, 0.012345)["lr"] == 0.012
