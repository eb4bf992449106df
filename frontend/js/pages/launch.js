// Launch page (/launch): presets in one click, every config field editable, the server's 422s per field.
//
// Prefill from the URL: ?preset=NAME, ?from=RUN_ID (clone a run's config), ?lrfind=RUN_ID[&rule=RULE]
// (an LR range test's training config with the suggested LR), ?continue=RUN_ID (continue a run from its
// checkpoint: see launch-continue.js), ?mode=sweep (the sweep tab), ?mode=script (a user's own command). "Seeds" above 1 launches a seed group and
// opens it on the compare page. The sweep tab adds a search space: the config is the sweep's base.

import { ApiError, api, fieldErrors } from "../api.js";
import { loadConfigFields } from "../config-schema.js";
import { ConfigForm } from "../components/config-form.js";
import { ScriptForm } from "../components/script-form.js";
import { SpaceEditor } from "../components/space-editor.js";
import { h } from "../dom.js";
import { formatLr } from "../format.js";
import { navigate } from "../router.js";
import { continueChanges, prefillContinue } from "./launch-continue.js";

/** Mount the launch page; returns the cleanup function. */
export function mount(root, { query }) {
  let disposed = false;
  const presetBar = h("div", { class: "presets", "data-testid": "presets" });
  const banner = h("p", { class: "muted hidden", "data-testid": "prefill-note" });
  const submit = h("button", { type: "submit", class: "primary", id: "launch-submit", "data-testid": "launch-submit" }, "Launch");
  const resetButton = h("button", { type: "button", "data-testid": "reset-form" }, "Reset to defaults");
  const seedsInput = h("input", { type: "number", min: "1", max: "32", step: "1", value: "1", id: "launch-seeds", "data-testid": "launch-seeds", style: "width: 4.5rem" });
  const seedsError = h("span", { class: "field-error", "data-testid": "error-seeds", role: "alert" });
  const seedsField = h("label", { class: "inline-field", for: "launch-seeds", title: "Launch this many runs with seeds seed, seed + 1, …: a seed group, compared as its mean and spread" }, "seeds ", seedsInput, seedsError);
  const formHost = h("div", {}, h("p", { class: "muted" }, "Loading the config fields…"));
  const modeButtons = [["run", "One run"], ["sweep", "Sweep"], ["script", "Script"]].map(([mode, label]) =>
    h("button", { type: "button", "data-mode": mode, "data-testid": `mode-${mode}`, onclick: () => setMode(mode) }, label));
  const modeToggle = h("div", { class: "toggle", "data-testid": "launch-mode" }, modeButtons);
  let mode = "run";
  let space = null; // the SpaceEditor, once the fields are known
  const script = new ScriptForm();
  const setMode = (next) => {
    mode = next;
    for (const b of modeButtons) b.classList.toggle("on", b.dataset.mode === mode);
    space?.el.classList.toggle("hidden", mode !== "sweep");
    script.el.classList.toggle("hidden", mode !== "script");
    config?.el.classList.toggle("hidden", mode === "script");
    resetButton.classList.toggle("hidden", mode === "script" || continuing !== null);
    presetBar.closest(".panel").classList.toggle("hidden", mode === "script" || continuing !== null);
    if (mode === "script") script.showWorkers();
    seedsField.classList.toggle("hidden", mode !== "run" || continuing !== null);
    submit.textContent = continuing ? "Continue" : mode === "sweep" ? "Start sweep" : mode === "script" ? "Launch script" : "Launch";
  };
  const form = h("form", { id: "launch-form", "data-testid": "launch-form", novalidate: true }, formHost);

  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Launch a run"), modeToggle, h("span", { class: "spacer" }), h("a", { href: "/" }, "← runs")),
    h("div", { class: "panel" }, h("h2", {}, "Presets"), presetBar),
    banner,
    h("div", { class: "panel" }, form),
  );

  let config = null;
  let presets = [];
  let selectedPreset = null; // the preset the form started from, sent along so the run records it
  let continuing = null; // {parent, done} when the form continues a run from its checkpoint

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
    const continueId = query.get("continue");
    if (continueId) {
      continuing = await prefillContinue(config, continueId);
      setMode("run");
      modeToggle.classList.add("hidden");
      banner.textContent = `Continues run #${continueId} from its checkpoint after epoch ${continuing.done}: same weights, optimizer state and step; epochs counts from its start. The greyed fields are kept from it.`;
      banner.classList.remove("hidden");
    } else if (fromLrFind) {
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
    space = new SpaceEditor(fields.train || []);
    formHost.replaceChildren(
      config.el,
      space.el,
      script.el,
      h("div", { class: "form-actions" }, submit, seedsField, resetButton, config.generalError),
    );
    setMode(["sweep", "script"].includes(query.get("mode")) ? query.get("mode") : "run");
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
    seedsError.textContent = "";
    submit.disabled = true;
    try {
      if (mode === "script") {
        await launchScript();
        return;
      }
      const body = config.values();
      if (continuing) {
        const changes = continueChanges(continuing.parent.config, body);
        const run = await api(`/api/runs/${continuing.parent.id}/continue`, { method: "POST", body: changes });
        navigate(`/runs/${run.id}`);
        return;
      }
      // Every field is sent, so the preset only names where the config came from (same kind only).
      if (selectedPreset && (selectedPreset.kind || selectedPreset.fields.kind || "train") === body.kind) body.preset = selectedPreset.name;
      if (mode === "sweep") {
        await startSweep(body);
        return;
      }
      const seeds = Number(seedsInput.value || "1");
      if (seeds !== 1) {
        const group = await api("/api/groups", { method: "POST", body: { ...body, seeds } });
        navigate(`/compare?ids=${group.data.map((r) => r.id).join(",")}`);
        return;
      }
      const run = await api("/api/runs", { method: "POST", body });
      navigate(`/runs/${run.id}`);
    } catch (error) {
      const errors = fieldErrors(error, [...config.fieldNames(), "seeds"]);
      if (errors.byField.seeds) seedsError.textContent = errors.byField.seeds.join("; ");
      delete errors.byField.seeds;
      config.showErrors(errors);
    } finally {
      submit.disabled = false;
    }
  });

  const launchScript = async () => {
    script.clearErrors();
    const body = script.body();
    if (!body) return;
    try {
      const run = await api("/api/runs/script", { method: "POST", body });
      navigate(`/runs/${run.id}`);
    } catch (error) {
      script.showErrors(fieldErrors(error, Object.keys(script.inputs)));
    }
  };

  const startSweep = async (body) => {
    space.clearErrors();
    const { preset, name, kind: _kind, ...base } = body;
    try {
      const sweep = await api("/api/sweeps", { method: "POST", body: { preset: preset || null, name: name || null, base, space: space.space(), ...space.options() } });
      navigate(`/sweeps/${sweep.id}`);
    } catch (error) {
      if (!(error instanceof ApiError) || !Array.isArray(error.detail)) throw error;
      // Base fields come back as body.base.FIELD or body.FIELD: both belong to the form's fields.
      const rest = space.showErrors(error.detail).map((item) => ({ ...item, loc: (item.loc || []).filter((part) => part !== "base") }));
      if (rest.length) throw new ApiError(error.status, error.message, rest);
    }
  };

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
