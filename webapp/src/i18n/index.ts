// Translations. en.ts is the source catalog and defines the keys; de.ts
// and zh.ts must translate every key (the compiler checks). A catalog
// that leaves keys out (a language being added) falls back to English.
// The person picks a language in Preferences; until then the browser's
// languages decide.

import { useCallback, useMemo } from "react";
import { createStore, useStore } from "../base/store";
import { readPref, writePref } from "../platform/prefs";
import { de } from "./de";
import { en, type MessageKey } from "./en";
import { zh } from "./zh";

export type { MessageKey };

export const locales = ["en", "de", "zh"] as const;
export type Locale = (typeof locales)[number];
export type LocalePref = Locale | "auto";

/** Each language's name in itself, for the picker. */
export const localeNames: Record<Locale, string> = { en: "English", de: "Deutsch", zh: "中文" };

/** A language's texts; keys left out fall back to English. */
export type Catalog = Partial<Record<MessageKey, string>>;

const catalogs: Record<Locale, Catalog> = { en, de, zh };

export type Params = Record<string, string | number>;

/** Replaces {name} placeholders; unknown ones stay visible so they get noticed. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  return translateIn(catalogs[locale], key, params);
}

/** translate with a given catalog; English fills whatever it leaves out. */
export function translateIn(catalog: Catalog, key: MessageKey, params?: Params): string {
  // "{count} replies" has a "1 reply" form under key_one where the language needs it.
  // A language that translates the key but has no key_one uses its own text for 1 too.
  if (params?.count === 1) {
    const one = `${key}_one` as MessageKey;
    const t = catalog[one] ?? (!catalog[key] ? en[one] : undefined);
    if (t) return interpolate(t, params);
  }
  const template = catalog[key] ?? en[key] ?? key;
  return interpolate(template, params);
}

/** The first supported language among the browser's, by primary subtag (de-AT is de); English otherwise. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    const hit = locales.find((l) => l === primary);
    if (hit) return hit;
  }
  return "en";
}

function isLocalePref(v: string | null): v is LocalePref {
  return v === "auto" || (locales as readonly string[]).includes(v ?? "");
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

const saved = readPref("locale");
const prefStore = createStore<LocalePref>(isLocalePref(saved) ? saved : "auto");

export function resolveLocale(pref: LocalePref, browser: readonly string[] = browserLanguages()): Locale {
  return pref === "auto" ? pickLocale(browser) : pref;
}

export const localePref = {
  store: prefStore,
  set(pref: LocalePref): void {
    writePref("locale", pref === "auto" ? null : pref);
    prefStore.set(pref);
  },
};

/** Keeps <html lang> in step with the chosen language (screen readers, hyphenation, fonts). */
export function applyLocale(): void {
  const apply = () => {
    document.documentElement.lang = resolveLocale(prefStore.get());
  };
  apply();
  prefStore.subscribe(apply);
}

export type Translate = (key: MessageKey, params?: Params) => string;

/** Whole seconds to wait, as words: "45 seconds", "3 minutes" (rounded up). */
export function formatWait(seconds: number, locale: Locale): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return new Intl.NumberFormat(locale, { style: "unit", unit: "second", unitDisplay: "long" }).format(s);
  if (s < 3600)
    return new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "long" }).format(Math.ceil(s / 60));
  return new Intl.NumberFormat(locale, { style: "unit", unit: "hour", unitDisplay: "long" }).format(Math.ceil(s / 3600));
}

export interface I18n {
  locale: Locale;
  t: Translate;
  dateTime(iso: string | undefined): string;
  date(iso: string | undefined): string;
  wait(seconds: number): string;
}

export function makeI18n(locale: Locale): I18n {
  const dt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const d = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  const valid = (iso: string | undefined): Date | undefined => {
    // The API sends the zero time for "never" (e.g. last_used_at).
    if (!iso || iso.startsWith("0001-01-01")) return undefined;
    const v = new Date(iso);
    return Number.isNaN(v.getTime()) ? undefined : v;
  };
  return {
    locale,
    t: (key, params) => translate(locale, key, params),
    dateTime: (iso) => {
      const v = valid(iso);
      return v ? dt.format(v) : translate(locale, "common.never");
    },
    date: (iso) => {
      const v = valid(iso);
      return v ? d.format(v) : translate(locale, "common.never");
    },
    wait: (seconds) => formatWait(seconds, locale),
  };
}

export function useI18n(): I18n {
  const pref = useStore(prefStore);
  const locale = resolveLocale(pref);
  return useMemo(() => makeI18n(locale), [locale]);
}

export function useT(): Translate {
  const { t } = useI18n();
  return useCallback(t, [t]);
}
