// The epoch slider with a play button: one position per kept evaluation; play steps through them like a video.

import { h } from "../dom.js";

const FRAME_MS = 900; // per evaluation while playing

export class EvaluationPlayer {
  /** onChange(index) is called when the user (or play) moves to another evaluation. */
  constructor(onChange) {
    this.onChange = onChange;
    this.epochs = []; // [{epoch, step}] in order
    this.index = -1;
    this.timer = null;
    this.slider = h("input", { type: "range", min: "0", max: "0", step: "1", value: "0", "data-testid": "epoch-slider", disabled: "" });
    this.playButton = h("button", { "data-testid": "epoch-play", disabled: "", title: "play the evaluations in order" }, "▶ play");
    this.label = h("span", { class: "muted", "data-testid": "epoch-label" }, "no evaluation yet");
    this.el = h("div", { class: "epoch-player" }, this.playButton, this.slider, this.label);
    this.slider.addEventListener("input", () => {
      this.stop();
      this.moveTo(Number(this.slider.value));
    });
    this.playButton.addEventListener("click", () => (this.timer ? this.stop() : this.play()));
  }

  /** True when the slider shows the newest evaluation (or none yet): a new one arriving then moves it along. */
  atLatest() {
    return this.index === this.epochs.length - 1;
  }

  /** The evaluation shown ({epoch, step}) or null. */
  current() {
    return this.epochs[this.index] ?? null;
  }

  /** Take a new listing; stay on the same epoch unless the slider was on the latest, then go to the new latest. */
  setEvaluations(epochs) {
    const followLatest = this.atLatest();
    const shown = this.current()?.epoch;
    this.epochs = epochs;
    this.slider.max = String(Math.max(0, epochs.length - 1));
    this.slider.disabled = epochs.length < 2;
    this.playButton.disabled = epochs.length < 2;
    const keep = epochs.findIndex((e) => e.epoch === shown);
    const index = followLatest || keep < 0 ? epochs.length - 1 : keep;
    return this.moveTo(index, index !== this.index || followLatest);
  }

  moveTo(index, notify = true) {
    this.index = index;
    this.slider.value = String(Math.max(0, index));
    const shown = this.current();
    this.label.textContent = shown
      ? `epoch ${shown.epoch} (step ${shown.step.toLocaleString("en-US")}) · evaluation ${index + 1} of ${this.epochs.length}`
      : "no evaluation yet";
    this.el.dataset.epoch = shown ? String(shown.epoch) : "";
    return notify && shown ? this.onChange(index) : Promise.resolve();
  }

  play() {
    if (this.epochs.length < 2) return;
    if (this.atLatest()) this.moveTo(0);
    this.playButton.textContent = "❚❚ pause";
    this.el.dataset.playing = "true";
    this.timer = setInterval(() => {
      if (this.atLatest()) return this.stop();
      this.moveTo(this.index + 1);
    }, FRAME_MS);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.playButton.textContent = "▶ play";
    this.el.dataset.playing = "false";
  }

  dispose() {
    this.stop();
  }
}
