// Shared Plotly layout and config, so every chart looks the same, in the page's light or dark theme.

export const COLORS = ["#2f6fde", "#e0732c", "#1f8f4e", "#c53030", "#7b4fc9", "#8c6d31", "#d6458f", "#5f6b7a", "#17a2b8", "#b7a214"];

/** Plotly config: no logo, no cloud links, resize with the container. */
export const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

function cssColor(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** The theme's colours as Plotly relayout keys (text, plot background, grid lines). */
export function themeLayout() {
  const grid = cssColor("--grid", "#eef0f4");
  return {
    "font.color": cssColor("--text", "#1d2330"),
    plot_bgcolor: cssColor("--plot-bg", "#ffffff"),
    "xaxis.gridcolor": grid,
    "yaxis.gridcolor": grid,
  };
}

/** A layout with our margins, fonts and theme colours; `extra` is merged on top (axes shallow-merged). */
export function baseLayout(extra = {}) {
  const theme = themeLayout();
  const layout = {
    margin: { l: 55, r: 15, t: 10, b: 40 },
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: theme["font.color"] },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: theme.plot_bgcolor,
    hovermode: "x unified",
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    xaxis: { gridcolor: theme["xaxis.gridcolor"], zeroline: false },
    yaxis: { gridcolor: theme["yaxis.gridcolor"], zeroline: false },
    uirevision: "keep", // keep the user's zoom when traces grow
  };
  for (const [key, value] of Object.entries(extra)) {
    layout[key] = key.endsWith("axis") || key === "margin" ? { ...layout[key], ...value } : value;
  }
  return layout;
}
