// Light and dark theme. The preference is "system" (follow the operating
// system) until the person picks one; the resolved theme goes on
// <html data-theme> and the CSS variables in styles/app.css do the rest.

import { createStore } from "../base/store";
import { readPref, writePref } from "../platform/prefs";

export type ThemePref = "system" | "light" | "dark";
export type Theme = "light" | "dark";

export function resolveTheme(pref: ThemePref, systemPrefersDark: boolean): Theme {
  if (pref === "light" || pref === "dark") return pref;
  return systemPrefersDark ? "dark" : "light";
}

export function parseThemePref(v: string | null): ThemePref {
  return v === "light" || v === "dark" ? v : "system";
}

const store = createStore<ThemePref>(parseThemePref(readPref("theme")));

export const themePref = {
  store,
  set(pref: ThemePref): void {
    writePref("theme", pref === "system" ? null : pref);
    store.set(pref);
  },
};

/** Applies the theme now and whenever the preference or the system setting changes. */
export function applyTheme(): void {
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    const theme = resolveTheme(store.get(), media.matches);
    document.documentElement.dataset.theme = theme;
    document.querySelector('meta[name="theme-color"]')?.setAttribute("content", theme === "dark" ? "#17191c" : "#ffffff");
  };
  apply();
  store.subscribe(apply);
  media.addEventListener("change", apply);
}
