// Loads plotly.js (served from the installed plotly package) once, on the first page that draws a chart.

const PLOTLY_URL = "/static/plotly.min.js";
let loading = null;

/** Resolve to window.Plotly, adding its script tag on first use. */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  loading ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = PLOTLY_URL;
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => {
      loading = null;
      reject(new Error(`could not load ${PLOTLY_URL}`));
    };
    document.head.append(script);
  });
  return loading;
}
