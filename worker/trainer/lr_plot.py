"""A standalone HTML page of an LR range test curve (loss against lr on a log axis), drawn with Plotly.

Takes the plain `lr_curve` payload; plotly.js is embedded in the page so it opens offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

RULE_COLOURS = {"steepest": "#d62728", "valley": "#2ca02c", "minimum": "#9467bd"}
HEADROOM = 0.5  # fraction of the smoothed loss's fall shown above its highest point before the minimum


def loss_axis_range(smoothed: Sequence[float]) -> tuple[float, float] | None:
    """The y range that shows the smoothed curve up to its minimum, so a final blow-up does not flatten it.

    From the lowest smoothed loss to the highest one before it, padded by 10 % below and HEADROOM above;
    None (autorange) when the curve is empty or flat.
    """
    if not smoothed:
        return None
    lowest_at = min(range(len(smoothed)), key=lambda i: smoothed[i])
    low, high = smoothed[lowest_at], max(smoothed[: lowest_at + 1])
    if high <= low:
        return None
    fall = high - low
    return low - 0.1 * fall, high + HEADROOM * fall


def lr_curve_figure(payload: dict[str, Any], title: str = "LR range test") -> go.Figure:
    """Raw and smoothed loss against lr (log x axis), and one vertical line per suggestion, named in the legend."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=payload["lr"], y=payload["loss"], mode="lines", name="loss",
                                line=dict(color="#bbbbbb", width=1)))
    figure.add_trace(go.Scatter(x=payload["lr"], y=payload["smoothed"], mode="lines", name="smoothed loss",
                                line=dict(color="#1f77b4", width=2)))
    y_range = loss_axis_range(payload["smoothed"])
    line_bottom, line_top = y_range if y_range else (min(payload["loss"], default=0), max(payload["loss"], default=1))
    recommended = payload.get("recommended")
    for rule, lr in (payload.get("suggestions") or {}).items():
        if lr is None:
            continue
        chosen = rule == recommended
        figure.add_trace(go.Scatter(
            x=[lr, lr], y=[line_bottom, line_top], mode="lines",
            name=f"{rule} {lr:.2g}" + (" (recommended)" if chosen else ""),
            line=dict(color=RULE_COLOURS.get(rule, "#555555"), dash="solid" if chosen else "dash", width=3 if chosen else 1.5),
            hovertemplate=f"{rule}: lr {lr:.3g}<extra></extra>",
        ))
    notes = []
    if payload.get("stopped_early"):
        notes.append(f"stopped early: {payload.get('stop_detail') or payload.get('stop_reason')}")
    if payload.get("disagreement"):
        notes.append("the rules disagree by more than 10x: check the curve")
    figure.update_layout(
        title=title + ("<br><sup>" + "<br>".join(notes) + "</sup>" if notes else ""),
        xaxis=dict(title="learning rate", type="log"),
        yaxis=dict(title="training loss", range=list(y_range) if y_range else None),
        template="plotly_white",
        hovermode="closest",
    )
    return figure


def write_lr_curve_html(payload: dict[str, Any], path: Path, title: str = "LR range test") -> Path:
    """Write the curve page to `path` with plotly.js inline (works without a network) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lr_curve_figure(payload, title).write_html(path, include_plotlyjs=True, full_html=True)
    return path
