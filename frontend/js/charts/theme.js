// Shared Plotly layout and config, so every chart looks the same.

export const COLORS = ["#2f6fde", "#e0732c", "#1f8f4e", "#c53030", "#7b4fc9", "#8c6d31", "#d6458f", "#5f6b7a", "#17a2b8", "#b7a214"];

/** Plotly config: no logo, no cloud links, resize with the container. */
export const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

/** A layout with our margins and fonts; `extra` is merged on top (axes shallow-merged). */
export function baseLayout(extra = {}) {
  const layout = {
    margin: { l: 55, r: 15, t: 10, b: 40 },
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12, color: "#1d2330" },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    hovermode: "x unified",
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    xaxis: { gridcolor: "#eef0f4", zeroline: false },
    yaxis: { gridcolor: "#eef0f4", zeroline: false },
    uirevision: "keep", // keep the user's zoom when traces grow
  };
  for (const [key, value] of Object.entries(extra)) {
    layout[key] = key.endsWith("axis") || key === "margin" ? { ...layout[key], ...value } : value;
  }
  return layout;
}
