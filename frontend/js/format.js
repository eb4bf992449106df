// Formatting of numbers, durations, dates and accuracies for display. Pure functions, no DOM.

const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for insertion into HTML. */
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** A fraction in [0, 1] as a percentage, e.g. 0.5312 -> "53.1 %". */
export function formatPercent(fraction, digits = 1) {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return "–";
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** A duration in seconds as "1h 02m", "3m 05s" or "12s". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(rest).padStart(2, "0")}s`;
  return `${rest}s`;
}

/** A plain number with a few significant digits; large values with thousands separators. */
export function formatNumber(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(digits)).toString();
}

/** Throughput in images per second, e.g. "1,234 img/s". */
export function formatRate(imagesPerS) {
  if (!imagesPerS) return "–";
  return `${Math.round(imagesPerS).toLocaleString("en-US")} img/s`;
}

/** A learning rate: scientific notation below 0.01, e.g. 5e-3 -> "5.00e-3". */
export function formatLr(lr) {
  if (lr === null || lr === undefined || !Number.isFinite(lr)) return "–";
  if (lr !== 0 && Math.abs(lr) < 0.01) return lr.toExponential(2);
  return formatNumber(lr, 3);
}

/** An ISO timestamp as local "YYYY-MM-DD HH:MM". */
export function formatDate(iso) {
  if (!iso) return "–";
  // Timestamps without a zone are UTC on the server.
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Any config value as short text (booleans, lists, null). */
export function formatValue(value) {
  if (value === null || value === undefined) return "–";
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "number") return formatNumber(value, 4);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
