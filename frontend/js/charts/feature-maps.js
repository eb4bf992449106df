// Feature maps drawn on <canvas>: the input image, then one small grid per captured layer.
// Two payload formats: uint8 blocks ({shape, data: base64}, what runs keep per evaluation) and, for runs from
// before, nested lists of floats.

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

/** The bytes of a uint8 block ({shape: [C, H, W], data: base64}). */
export function blockBytes(block) {
  const text = atob(block.data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function paint(width, height, rgbAt) {
  const canvas = h("canvas", { width, height });
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const o = (y * width + x) * 4;
      const [r, g, b] = rgbAt(y, x);
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = b;
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** Paint a (C, H, W) image in [0, 1] (C = 1 gray or 3 RGB) onto a new canvas. */
export function imageCanvas(chw) {
  const channels = chw.length;
  return paint(chw[0][0].length, chw[0].length, (y, x) => [0, 1, 2].map((c) => Math.round(255 * chw[channels === 3 ? c : 0][y][x])));
}

/** Paint one (H, W) activation map, scaled to its own min..max, in viridis. */
export function mapCanvas(hw) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of hw) for (const v of row) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  return paint(hw[0].length, hw.length, (y, x) => viridis((hw[y][x] - lo) / span));
}

/** Paint a uint8 image block (C = 1 gray or 3 RGB) onto a new canvas. */
export function blockImageCanvas(block) {
  const [channels, height, width] = block.shape;
  const bytes = blockBytes(block);
  const plane = height * width;
  return paint(width, height, (y, x) => [0, 1, 2].map((c) => bytes[(channels === 3 ? c : 0) * plane + y * width + x]));
}

/** The maps of a uint8 maps block, one canvas per channel, in viridis (each channel already spans 0..255). */
export function blockMapCanvases(block, limit = MAX_MAPS_PER_LAYER) {
  const [channels, height, width] = block.shape;
  const bytes = blockBytes(block);
  const plane = height * width;
  const canvases = [];
  for (let c = 0; c < Math.min(channels, limit); c += 1) {
    canvases.push(paint(width, height, (y, x) => viridis(bytes[c * plane + y * width + x] / 255)));
  }
  return canvases;
}

/** A layer in either format: {canvases, shape (of the whole activation), total channels}. */
function layerView(layer) {
  if (layer.data !== undefined) {
    return { canvases: blockMapCanvases(layer), shape: layer.full_shape || layer.shape, total: layer.shape[0] };
  }
  return { canvases: layer.maps.slice(0, MAX_MAPS_PER_LAYER).map(mapCanvas), shape: layer.shape, total: layer.maps.length };
}

/** Render a feature-maps payload into el: input image with its label, then each layer's maps. */
export function drawFeatureMaps(el, payload) {
  const inputCanvas = payload.input?.data !== undefined ? blockImageCanvas(payload.input) : imageCanvas(payload.input);
  const where = payload.index !== undefined ? ` · test image #${payload.index}` : "";
  const input = h(
    "figure",
    { class: "input-image", "data-testid": "fmap-input" },
    inputCanvas,
    h("figcaption", {}, `input: ${payload.label ?? "?"}${where}`, payload.epoch ? ` · epoch ${payload.epoch}` : ""),
  );
  const layers = Object.entries(payload.layers || {}).map(([name, layer]) => {
    const view = layerView(layer);
    const maps = view.canvases;
    const shape = (view.shape || []).join("×");
    const hiddenCount = (view.shape?.[0] ?? view.total) - maps.length;
    return h(
      "div",
      { class: "fmap-layer", "data-testid": "fmap-layer", "data-layer": name },
      h("h3", {}, `after ${name} `, h("span", { class: "muted" }, shape ? `(${shape})` : "")),
      h("div", { class: "fmap-grid" }, maps.map((canvas, i) => h("figure", { title: `${name} channel ${i}` }, canvas))),
      hiddenCount > 0 ? h("p", { class: "muted" }, `${hiddenCount} more channels not shown`) : null,
    );
  });
  el.replaceChildren(h("div", { class: "fmaps" }, input, layers));
}
