// Run page, the evaluations half: one epoch slider (with play) driving the confusion matrix, the per-class
// accuracy and the feature maps of a kept evaluation; per-class accuracy over epochs; and the mistakes gallery a
// confusion cell opens. A run from before evaluations were kept shows its single artifacts instead.

import { fetchArtifact } from "../artifacts.js";
import { drawConfusion } from "../charts/confusion.js";
import { drawFeatureMaps } from "../charts/feature-maps.js";
import { drawPerClassHistory } from "../charts/per-class-history.js";
import { drawPerClass } from "../charts/per-class.js";
import { EvaluationPlayer } from "../components/evaluation-player.js";
import { drawMistakes } from "../components/mistakes-gallery.js";
import { h } from "../dom.js";
import { EvaluationStore } from "../evaluations.js";

const LEGACY = ["confusion", "per_class", "feature_maps"];
const MODES = [
  ["counts", "counts"],
  ["normalized", "row-normalized"],
  ["change", "change since previous"],
];

function chartBox(testid) {
  return h("div", { class: "chart tall hidden", "data-testid": testid, id: testid });
}

/** The evaluation panels of a training run; `referencePerClass()` resolves to the preset's reference or null. */
export function buildEvaluations(run, page, referencePerClass) {
  const store = new EvaluationStore(run.id);
  const confusionBox = chartBox("confusion-chart");
  const perClassBox = chartBox("per-class-chart");
  const historyBox = chartBox("per-class-history-chart");
  const fmapsBox = h("div", { "data-testid": "feature-maps" }, h("p", { class: "empty-note" }, "Feature maps appear after the first evaluation."));
  const confusionNote = h("p", { class: "empty-note" }, "The confusion matrix appears after the first evaluation.");
  const historyNote = h("p", { class: "empty-note" }, "Accuracy per class over epochs appears once evaluations are kept.");
  const gallery = h("div", { "data-testid": "mistakes" }, h("p", { class: "empty-note" }, "Click a cell of the confusion matrix to see its misclassified test images."));
  const galleryMaps = h("div", { "data-testid": "mistake-maps" });
  const buttons = Object.fromEntries(MODES.map(([mode, caption]) => [mode, h("button", { "data-testid": `confusion-${mode}` }, caption)]));
  buttons.counts.classList.add("on");

  let listing = { data: [], classes: [] };
  let kept = false; // true once the run has kept evaluations (else: single artifacts of an older run)
  let mode = "counts";
  let shown = null; // {payload, previous} of the evaluation on the slider
  let legacyConfusion = null;
  let selectedCell = null;
  let generation = 0; // drop draws that a later slider move overtook

  const drawMatrix = async () => {
    const payload = kept ? shown?.payload : legacyConfusion;
    if (!payload) return;
    await drawConfusion(confusionBox, payload, mode, shown?.previous ?? null);
    confusionBox.dataset.rendered = "true";
    confusionBox.dataset.normalized = String(mode === "normalized");
    confusionBox.dataset.mode = mode;
    confusionBox.dataset.epoch = kept ? String(payload.epoch) : "";
    listenForClicks();
  };

  let listening = false;
  const listenForClicks = () => {
    if (listening || typeof confusionBox.on !== "function") return;
    listening = true;
    confusionBox.on("plotly_click", (event) => {
      const point = event.points?.[0];
      const classes = (kept ? shown?.payload?.classes : legacyConfusion?.classes) || [];
      if (!point || !kept) return;
      selectedCell = [classes.indexOf(point.y), classes.indexOf(point.x)];
      showGallery().catch((error) => gallery.replaceChildren(h("p", { class: "form-error" }, `Could not load the mistakes: ${error.message}`)));
    });
  };

  const showGallery = async () => {
    const epoch = shown?.payload?.epoch;
    if (!selectedCell || epoch === undefined) return;
    const entry = listing.data.find((e) => e.epoch === epoch);
    if (!entry?.mistakes_size) {
      gallery.replaceChildren(h("p", { class: "empty-note", "data-testid": "mistakes-empty" }, `No mistakes gallery was kept at epoch ${epoch}.`));
      galleryMaps.replaceChildren();
      return;
    }
    const mistakes = await store.mistakesAt(epoch);
    if (page.disposed || shown?.payload?.epoch !== epoch) return;
    drawMistakes(gallery, galleryMaps, mistakes, selectedCell[0], selectedCell[1]);
    gallery.dataset.epoch = String(epoch);
    gallery.dataset.cell = selectedCell.join(",");
  };

  // The slider moved (or a new evaluation arrived while it was on the latest): redraw the three panels.
  const showIndex = async (index) => {
    const mine = ++generation;
    const entry = listing.data[index];
    const before = listing.data[index - 1];
    const [payload, previous] = await Promise.all([store.evaluation(entry.epoch), before ? store.evaluation(before.epoch) : null]);
    if (page.disposed || mine !== generation) return;
    shown = { payload, previous };
    confusionNote.classList.add("hidden");
    confusionBox.classList.remove("hidden");
    perClassBox.classList.remove("hidden");
    await Promise.all([
      drawMatrix(),
      drawPerClass(perClassBox, { classes: payload.classes, accuracy: payload.per_class }, await referencePerClass()).then(() => {
        perClassBox.dataset.rendered = "true";
        perClassBox.dataset.epoch = String(payload.epoch);
      }),
      drawPerClassHistory(historyBox, listing.data, listing.classes.length ? listing.classes : payload.classes, payload.epoch).then(() => {
        historyBox.dataset.rendered = "true";
      }),
      showGallery(),
    ]);
    if (payload.feature_maps?.layers) {
      drawFeatureMaps(fmapsBox, { ...payload.feature_maps, epoch: payload.epoch });
      fmapsBox.dataset.rendered = "true";
      fmapsBox.dataset.epoch = String(payload.epoch);
    }
  };

  const player = new EvaluationPlayer(showIndex);
  page.cleanups.push(() => player.dispose());

  const refreshListing = async () => {
    listing = await store.list();
    if (page.disposed) return;
    if (!listing.count && !kept) return;
    kept = true;
    // After a rewind that forgot every evaluation, the panels go back to their notes until the next one.
    const empty = !listing.count;
    historyNote.classList.toggle("hidden", !empty);
    confusionNote.classList.toggle("hidden", !empty);
    for (const box of [historyBox, confusionBox, perClassBox]) box.classList.toggle("hidden", empty);
    if (empty) {
      shown = null;
      selectedCell = null;
    }
    await player.setEvaluations(listing.data.map((e) => ({ epoch: e.epoch, step: e.step })));
  };

  const showLegacy = async (name) => {
    const payload = await fetchArtifact(run.id, name);
    if (page.disposed || kept) return;
    if (name === "confusion") {
      legacyConfusion = payload;
      confusionNote.classList.add("hidden");
      confusionBox.classList.remove("hidden");
      await drawMatrix();
    } else if (name === "per_class") {
      perClassBox.classList.remove("hidden");
      await drawPerClass(perClassBox, payload, await referencePerClass());
      perClassBox.dataset.rendered = "true";
    } else if (name === "feature_maps") {
      drawFeatureMaps(fmapsBox, payload);
      fmapsBox.dataset.rendered = "true";
    }
  };

  for (const [value, button] of Object.entries(buttons)) {
    button.addEventListener("click", async () => {
      mode = value;
      for (const [other, b] of Object.entries(buttons)) b.classList.toggle("on", other === value);
      await drawMatrix();
    });
  }
  buttons.change.title = "how each row's fractions moved since the previous evaluation (percentage points)";

  return {
    player,
    /** Elements to place on the page. */
    parts: {
      player: player.el,
      toggle: h("div", { class: "toggle" }, Object.values(buttons)),
      confusion: [confusionNote, confusionBox],
      perClass: [perClassBox],
      history: [historyNote, historyBox],
      gallery: [gallery, galleryMaps],
      featureMaps: [fmapsBox],
    },
    /** Draw what is stored: the kept evaluations, or an older run's single artifacts. */
    async drawHistory(artifactNames) {
      await refreshListing();
      if (!kept) await Promise.all(artifactNames.filter((n) => LEGACY.includes(n)).map(showLegacy));
    },
    /** A live artifact event: a new evaluation joins the slider; older runs' artifacts draw as before. */
    async showArtifact(name, epoch = null) {
      if (name === "evaluation") {
        if (epoch !== null) store.forget(epoch);
        await refreshListing();
      } else if (name === "mistakes") {
        if (epoch !== null) store.mistakes.delete(epoch);
        listing = await store.list(); // its mistakes_size, without moving the slider
        if (!page.disposed && shown?.payload?.epoch === epoch) await showGallery();
      } else if (LEGACY.includes(name) && !kept) {
        await showLegacy(name);
      }
    },
    /** A rewind forgot the evaluations after its epoch. */
    async rewind() {
      store.forget();
      await refreshListing();
    },
  };
}
