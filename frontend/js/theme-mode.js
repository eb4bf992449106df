// Light or dark: follows the system setting unless the user picked one (kept in this browser's storage).
// The effective theme is the `data-theme` attribute of <html>, which the CSS variables key on; drawn
// Plotly charts are restyled in place when it changes.

import { themeLayout } from "./charts/theme.js";

const STORAGE_KEY = "trainboard.theme";
const CHOICES = ["system", "dark", "light"]; // the order the switch cycles through
const systemDark = window.matchMedia("(prefers-color-scheme: dark)");

/** The stored choice: "system" (the default), "dark" or "light". */
export function themeChoice() {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return CHOICES.includes(stored) ? stored : "system";
}

/** The theme in effect: "dark" or "light". */
export function effectiveTheme(choice = themeChoice()) {
  if (choice === "system") return systemDark.matches ? "dark" : "light";
  return choice;
}

function apply() {
  document.documentElement.dataset.theme = effectiveTheme();
  if (!window.Plotly) return;
  for (const el of document.querySelectorAll(".js-plotly-plot")) window.Plotly.relayout(el, themeLayout());
}

/** Apply the theme now and whenever the system setting changes; wire `button` to cycle the choice. */
export function startThemeMode(button) {
  const label = () => {
    const choice = themeChoice();
    button.textContent = `theme: ${choice === "system" ? `system (${effectiveTheme()})` : choice}`;
    button.dataset.choice = choice;
  };
  systemDark.addEventListener("change", () => {
    apply();
    label();
  });
  button.addEventListener("click", () => {
    const next = CHOICES[(CHOICES.indexOf(themeChoice()) + 1) % CHOICES.length];
    window.localStorage.setItem(STORAGE_KEY, next);
    apply();
    label();
  });
  apply();
  label();
}
