"""The standalone LR curve page: axis range, one named line per suggestion, plotly.js inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainboard.trainer.lr_plot import loss_axis_range, lr_curve_figure, write_lr_curve_html

PAYLOAD = {
    "lr": [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
    "loss": [2.3, 2.2, 1.5, 1.0, 40.0],
    "smoothed": [2.3, 2.25, 2.0, 1.5, 12.0],
    "stopped_early": True,
    "stop_reason": "diverged",
    "stop_detail": "smoothed loss 12 exceeded 5 x the best 1.5",
    "suggestions": {"steepest": 1e-2, "valley": 1e-3, "minimum": None},
    "recommended": "steepest",
    "recommended_lr": 1e-2,
    "disagreement": False,
    "train_config": None,
}


def test_loss_axis_range_shows_the_fall_not_the_blow_up() -> None:
    low, high = loss_axis_range(PAYLOAD["smoothed"])  # type: ignore[misc]
    assert low == pytest.approx(1.5 - 0.08)
    assert high == pytest.approx(2.3 + 0.4)
    assert loss_axis_range([]) is None
    assert loss_axis_range([1.0, 2.0, 3.0]) is None  # lowest at the start: let Plotly choose


def test_figure_has_log_lr_axis_and_a_named_line_per_applicable_rule() -> None:
    figure = lr_curve_figure(PAYLOAD, title="test")
    names = [trace.name for trace in figure.data]
    assert names == ["loss", "smoothed loss", "steepest 0.01 (recommended)", "valley 0.001"]
    assert figure.layout.xaxis.type == "log"
    assert "stopped early" in figure.layout.title.text


def test_page_embeds_plotly_js(tmp_path: Path) -> None:
    path = write_lr_curve_html(PAYLOAD, tmp_path / "sub" / "curve.html")
    html = path.read_text()
    assert '<script src="http' not in html
    assert len(html) > 1_000_000  # the plotly.js bundle itself
    assert "valley 0.001" in html
