// The mistakes of one confusion cell at one evaluation: thumbnails of misclassified test images with their top-3
// predictions; clicking one shows its feature maps at that evaluation.

import { blockImageCanvas, drawFeatureMaps } from "../charts/feature-maps.js";
import { h } from "../dom.js";
import { formatPercent } from "../format.js";

/** Render the cell (true, predicted) of a mistakes payload into el; `mapsEl` receives a clicked image's maps. */
export function drawMistakes(el, mapsEl, mistakes, trueClass, predictedClass) {
  const classes = mistakes.classes || [];
  const name = (i) => classes[i] ?? String(i);
  const cell = (mistakes.cells || []).find((c) => c.true === trueClass && c.predicted === predictedClass);
  const title = h("h3", { "data-testid": "mistakes-title" }, `true ${name(trueClass)}, predicted ${name(predictedClass)} · epoch ${mistakes.epoch}`);
  mapsEl.replaceChildren();
  if (trueClass === predictedClass) {
    el.replaceChildren(title, h("p", { class: "empty-note" }, "A diagonal cell: these images were classified correctly."));
    return;
  }
  if (!cell || !cell.images.length) {
    const note = cell ? `${cell.count} images, none kept (the gallery keeps at most a few hundred per evaluation).` : "No test image fell in this cell.";
    el.replaceChildren(title, h("p", { class: "empty-note", "data-testid": "mistakes-empty" }, note));
    return;
  }
  const figures = cell.images.map((image) => {
    const top = image.top.map((t) => h("li", {}, `${name(t.class)} ${formatPercent(t.p)}`));
    const figure = h(
      "figure",
      { class: "mistake", "data-testid": "mistake-image", "data-index": String(image.index), tabindex: "0", title: "show its feature maps" },
      blockImageCanvas(image.thumbnail),
      h("figcaption", {}, `#${image.index}`, h("ol", { class: "top-k" }, top)),
    );
    const show = () => {
      for (const other of el.querySelectorAll(".mistake.on")) other.classList.remove("on");
      figure.classList.add("on");
      drawFeatureMaps(mapsEl, { index: image.index, label: name(trueClass), epoch: mistakes.epoch, input: image.thumbnail, layers: image.layers });
      mapsEl.dataset.index = String(image.index);
    };
    figure.addEventListener("click", show);
    figure.addEventListener("keydown", (event) => event.key === "Enter" && show());
    return figure;
  });
  const more = cell.count > cell.images.length ? h("p", { class: "muted" }, `${cell.images.length} of ${cell.count} images (the lowest test-set indices)`) : null;
  el.replaceChildren(title, h("div", { class: "mistake-grid" }, figures), more);
}
