"""The LR suggestion rules: pure functions of the swept lrs and the smoothed losses."""

from __future__ import annotations

import math

import pytest

from trainboard.trainer.lr_suggest import log_lr_slopes, minimum, steepest, suggest, valley


def _decades(n: int, first_exponent: float = -6.0, per_point: float = 0.5) -> list[float]:
    """n lrs spaced `per_point` decades apart from 10**first_exponent."""
    return [10 ** (first_exponent + per_point * i) for i in range(n)]


def _s_curve(n: int = 51) -> tuple[list[float], list[float]]:
    """lr from 1e-5 to 1 (0.1 decade apart); the loss falls fastest at lr 1e-3 and blows up above 0.1."""
    lrs = [10 ** (-5 + 0.1 * i) for i in range(n)]
    losses = []
    for lr in lrs:
        x = math.log10(lr)
        losses.append(1.5 - math.tanh(2 * (x + 3)) + 5 * max(0.0, x + 1) ** 2)
    return lrs, losses


def test_log_lr_slopes_are_central_differences_against_log10_lr() -> None:
    slopes = log_lr_slopes([1, 10, 100, 1000], [4, 3, 1, 0.5])
    assert slopes == pytest.approx([-1.0, -1.5, -1.25, -0.5])


def test_steepest_finds_the_fastest_fall_against_log_lr() -> None:
    lrs, losses = _s_curve()
    assert steepest(lrs, losses) == pytest.approx(1e-3)


def test_steepest_ignores_the_first_and_last_points() -> None:
    lrs = _decades(30, per_point=0.1)
    # A sharp drop at index 2 (inside skip_start) and a gentle fall afterwards, steepest at index 20.
    losses = [5.0, 5.0, 2.0] + [2.0 - 0.01 * i - (0.3 if i >= 18 else 0.0) for i in range(27)]
    assert steepest(lrs, losses) == pytest.approx(lrs[20])
    assert steepest(lrs, losses, skip_start=0) == pytest.approx(lrs[1])


def test_steepest_is_none_for_short_or_rising_curves() -> None:
    assert steepest(_decades(15), [float(-i) for i in range(15)]) is None  # 10 + 5 skipped: nothing left
    assert steepest(_decades(16), [float(-i) for i in range(16)]) == pytest.approx(_decades(16)[10])
    assert steepest(_decades(40), [float(i) for i in range(40)]) is None
    assert steepest([], []) is None


def test_valley_is_the_middle_of_the_longest_falling_stretch() -> None:
    # Longest strictly decreasing subsequence: 5.1, 5.05, 4.95, 4, 3, 2, 1 (7 points, ends at index 8),
    # so the stretch is indices 2..8 and its middle is index 5.
    smoothed = [5, 5.1, 4.9, 5.05, 4.95, 4, 3, 2, 1, 1.5, 3]
    lrs = _decades(len(smoothed))
    assert valley(lrs, smoothed) == lrs[5]


def test_valley_takes_the_first_of_equally_long_stretches() -> None:
    smoothed = [3, 2, 1, 4, 5, 6, 7]  # 3, 2, 1 is the only 3-point fall
    assert valley(_decades(7), smoothed) == _decades(7)[1]


def test_valley_is_none_without_a_fall_of_three_points() -> None:
    assert valley(_decades(5), [1, 2, 3, 4, 5]) is None
    assert valley(_decades(4), [2, 1, 3, 4]) is None
    assert valley([], []) is None


def test_valley_handles_long_curves_quickly() -> None:
    n = 100_000  # the largest num_iter a config allows
    lrs = [1e-7 * (1e8) ** (i / (n - 1)) for i in range(n)]
    smoothed = [1.0 / (1 + i) for i in range(n)]
    assert valley(lrs, smoothed) == lrs[(n - 1) // 2]


def test_minimum_is_a_tenth_of_the_lr_at_the_lowest_loss() -> None:
    lrs = _decades(6)
    assert minimum(lrs, [3, 2, 1, 0.5, 0.7, 9]) == pytest.approx(lrs[3] / 10)
    assert minimum(lrs, [1, 1, 1, 1, 1, 1]) == pytest.approx(lrs[0] / 10)  # first of equal minima
    assert minimum([], []) is None


def test_suggest_recommends_the_median_rule_and_flags_disagreement() -> None:
    lrs, losses = _s_curve()
    result = suggest(lrs, losses)
    values = result.values
    assert set(values) == {"steepest", "valley", "minimum"}
    assert all(v is not None for v in values.values())
    middle = sorted(values.values())[1]
    assert result.recommended_lr == middle
    assert values[result.recommended] == middle
    expected_disagreement = max(values.values()) / min(values.values()) > 10  # type: ignore[type-var]
    assert result.disagreement is expected_disagreement


def test_suggest_disagreement_when_rules_are_more_than_ten_times_apart() -> None:
    # Steepest fall at index 12 (lr 10**0), minimum at index 25 (lr 10**6.5 / 10).
    lrs = _decades(30, first_exponent=-6.0)
    losses = [10.0 - 0.01 * i for i in range(12)] + [5.0] + [4.9 - 0.01 * i for i in range(13)] + [9, 9, 9, 9]
    result = suggest(lrs, losses)
    assert result.values["steepest"] == pytest.approx(lrs[12])
    assert result.values["minimum"] == pytest.approx(lrs[25] / 10)
    assert result.disagreement is True


def test_suggest_agreement_when_rules_are_close() -> None:
    lrs = _decades(5, per_point=0.1)
    result = suggest(lrs, [5, 4, 3, 2, 1])  # steepest cannot apply; valley lrs[2], minimum lrs[4] / 10
    assert result.values["steepest"] is None
    assert result.values["valley"] == lrs[2]
    assert result.values["minimum"] == pytest.approx(lrs[4] / 10)
    assert result.recommended == "minimum"  # two rules: the lower lr
    assert result.disagreement is False


def test_suggest_on_an_empty_curve_recommends_nothing() -> None:
    result = suggest([], [])
    assert result.values == {"steepest": None, "valley": None, "minimum": None}
    assert result.recommended is None
    assert result.recommended_lr is None
    assert result.disagreement is False


def test_rules_reject_curves_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        suggest([1e-3, 1e-2], [1.0])
