// Feature maps drawn on <canvas>: the input image, then one small grid per captured layer.

import { h } from "../dom.js";

const MAX_MAPS_PER_LAYER = 64;
// Viridis at 5 stops; values in between are interpolated (0 = dark violet, 1 = yellow).
const VIRIDIS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function viridis(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
}

/** Paint a (C, H, W) image in [0, 1] (C = 1 gray or 3 RGB) onto a new canvas. */
export function imageCanvas(chw) {
  const channels = chw.length;
  const height = chw[0].length;
  const width = chw[0][0].length;
  const canvas = h("canvas", { width, height });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c += 1) image.data[o + c] = Math.round(255 * chw[channels === 3 ? c : 0][y][x]);
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** Paint one (H, W) activation map, scaled to its own min..max, in viridis. */
export function mapCanvas(hw) {
  const height = hw.length;
  const width = hw[0].length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of hw) for (const v of row) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  const canvas = h("canvas", { width, height });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const o = (y * width + x) * 4;
      const [r, g, b] = viridis((hw[y][x] - lo) / span);
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = b;
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** Render the feature_maps artifact into el: input image with its label, then each layer's maps. */
export function drawFeatureMaps(el, payload) {
  const input = h(
    "figure",
    { class: "input-image", "data-testid": "fmap-input" },
    imageCanvas(payload.input),
    h("figcaption", {}, `input: ${payload.label ?? "?"}`, payload.epoch ? ` · epoch ${payload.epoch}` : ""),
  );
  const layers = Object.entries(payload.layers || {}).map(([name, layer]) => {
    const maps = layer.maps.slice(0, MAX_MAPS_PER_LAYER);
    const shape = (layer.shape || []).join("×");
    const hiddenCount = layer.maps.length - maps.length;
    return h(
      "div",
      { class: "fmap-layer", "data-testid": "fmap-layer", "data-layer": name },
      h("h3", {}, `after ${name} `, h("span", { class: "muted" }, shape ? `(${shape})` : "")),
      h("div", { class: "fmap-grid" }, maps.map((m, i) => h("figure", { title: `${name} channel ${i}` }, mapCanvas(m)))),
      hiddenCount > 0 ? h("p", { class: "muted" }, `${hiddenCount} more channels not shown`) : null,
    );
  });
  el.replaceChildren(h("div", { class: "fmaps" }, input, layers));
}
