// Launch page (/launch): presets in one click, every config field editable, the server's 422s per field.
//
// Prefill from the URL: ?preset=NAME, ?from=RUN_ID (clone a run's config), ?lrfind=RUN_ID[&rule=RULE]
// (an LR range test's training config with the suggested LR).

import { api, fieldErrors } from "../api.js";
import { loadConfigFields } from "../config-schema.js";
import { ConfigForm } from "../components/config-form.js";
import { h } from "../dom.js";
import { formatLr } from "../format.js";
import { navigate } from "../router.js";

/** Mount the launch page; returns the cleanup function. */
export function mount(root, { query }) {
  let disposed = false;
  const presetBar = h("div", { class: "presets", "data-testid": "presets" });
  const banner = h("p", { class: "muted hidden", "data-testid": "prefill-note" });
  const submit = h("button", { type: "submit", class: "primary", id: "launch-submit", "data-testid": "launch-submit" }, "Launch");
  const resetButton = h("button", { type: "button", "data-testid": "reset-form" }, "Reset to defaults");
  const formHost = h("div", {}, h("p", { class: "muted" }, "Loading the config fields…"));
  const form = h("form", { id: "launch-form", "data-testid": "launch-form", novalidate: true }, formHost);

  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Launch a run"), h("span", { class: "spacer" }), h("a", { href: "/" }, "← runs")),
    h("div", { class: "panel" }, h("h2", {}, "Presets"), presetBar),
    banner,
    h("div", { class: "panel" }, form),
  );

  let config = null;
  let presets = [];
  let selectedPreset = null; // the preset the form started from, sent along so the run records it

  const markPreset = (name) => {
    selectedPreset = presets.find((p) => p.name === name) || null;
    for (const b of presetBar.querySelectorAll("button")) b.classList.toggle("selected", b.dataset.preset === name);
  };

  const applyPreset = (preset) => {
    config.setKind(preset.fields.kind || "train");
    config.reset();
    config.setValues(preset.fields);
    markPreset(preset.name);
  };

  const prefill = async () => {
    const fromRun = query.get("from");
    const fromLrFind = query.get("lrfind");
    const presetName = query.get("preset");
    if (fromLrFind) {
      const curve = await api(`/api/runs/${encodeURIComponent(fromLrFind)}/lr-curve`);
      const rule = query.get("rule") || curve.recommended;
      const lr = curve.suggestions?.[rule];
      const trainConfig = { ...(curve.train_config || {}), kind: "train" };
      if (Number.isFinite(lr)) trainConfig.lr = lr;
      config.setKind("train");
      config.reset();
      const suggestion = `${rule} suggestion of LR range test #${fromLrFind} (lr ${formatLr(lr)})`;
      config.setValues({ ...trainConfig, name: `lr ${formatLr(lr)} from LR test #${fromLrFind}`, lr_suggestion: suggestion });
      banner.textContent = `Training config of LR range test #${fromLrFind}, with lr = ${formatLr(lr)} (${rule} rule).`;
      banner.classList.remove("hidden");
    } else if (fromRun) {
      const run = await api(`/api/runs/${encodeURIComponent(fromRun)}`);
      config.setKind(run.config?.kind || run.kind || "train");
      config.reset();
      config.setValues(run.config || {});
      markPreset(run.preset);
      banner.textContent = `Config of run #${fromRun}; change what you want and launch.`;
      banner.classList.remove("hidden");
    } else if (presetName) {
      const preset = presets.find((p) => p.name === presetName);
      if (preset) applyPreset(preset);
    }
  };

  const load = async () => {
    const [fields, presetList, models, datasets] = await Promise.all([
      loadConfigFields(),
      api("/api/presets"),
      api("/api/models").catch(() => []),
      api("/api/datasets").catch(() => []),
    ]);
    if (disposed) return;
    presets = listOf(presetList);
    config = new ConfigForm(fields);
    config.setCatalog(listOf(models), listOf(datasets).map(datasetInfo));
    formHost.replaceChildren(
      config.el,
      h("div", { class: "form-actions" }, submit, resetButton, config.generalError),
    );
    presetBar.replaceChildren(
      ...presets.map((p) =>
        h(
          "button",
          { type: "button", class: "preset-button", "data-preset": p.name, "data-testid": `preset-${p.name}`, title: p.description || "", onclick: () => applyPreset(p) },
          h("strong", {}, p.name),
          h("small", {}, p.description || ""),
        ),
      ),
    );
    await prefill();
    root.dataset.loaded = "true";
  };

  resetButton.addEventListener("click", () => {
    config?.reset();
    markPreset(null);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!config) return;
    config.clearErrors();
    submit.disabled = true;
    try {
      const body = config.values();
      // Every field is sent, so the preset only names where the config came from (same kind only).
      if (selectedPreset && (selectedPreset.kind || selectedPreset.fields.kind || "train") === body.kind) body.preset = selectedPreset.name;
      const run = await api("/api/runs", { method: "POST", body });
      navigate(`/runs/${run.id}`);
    } catch (error) {
      config.showErrors(fieldErrors(error, config.fieldNames()));
    } finally {
      submit.disabled = false;
    }
  });

  load().catch((error) => {
    if (!disposed) formHost.replaceChildren(h("p", { class: "form-error", "data-testid": "page-error" }, `Could not load the form: ${error.message}`));
  });
  return () => {
    disposed = true;
  };
}

function listOf(answer) {
  return answer?.data || [];
}

/** A dataset entry as the form needs it: {name, description, available, status, hint, where}. */
function datasetInfo(d) {
  const workers = d.workers || [];
  return {
    name: d.name,
    description: d.description || "",
    status: d.status,
    available: d.status === "present" || workers.length > 0,
    hint: d.how || "",
    where: workers.length ? `on worker${workers.length === 1 ? "" : "s"} ${workers.join(", ")}` : "",
  };
}
