// The web app is built in layers, and imports only run downward (or
// sideways within a layer):
//
//   base        store, router, prefs: knows nothing of Kontor
//   platform    api client, i18n, theme, browser platform (session,
//               connectivity, presence, notifications, PWA)
//   components  reusable pieces of screens
//   features    chat, search, screens: what a person uses
//   app         the roof: App, Shell, the route table, the sidebar
//   entry       main.tsx and the service worker
//
// This test reads every source file, resolves its relative imports and
// fails on one that points to a higher layer, or on a directory that has
// no layer yet (put a new directory into LAYERS below).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect, test } from "vitest";

const LAYERS: Record<string, string[]> = {
  base: ["base"],
  platform: ["api", "i18n", "theme", "platform"],
  components: ["components"],
  features: ["chat", "search", "screens", "calls", "compliance"],
  app: ["app"],
  entry: ["main.tsx", "sw", "layers.test.ts"],
};
const ORDER = Object.keys(LAYERS);

const src = resolve(__dirname);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts") ? [p] : [];
  });
}

/** The layer of a file under src/, by its first path segment. */
export function layerOf(file: string): string | undefined {
  const top = relative(src, file).split(/[\\/]/)[0] ?? "";
  return ORDER.find((l) => LAYERS[l]?.includes(top));
}

/** Every relative module a file imports (static, dynamic, re-exports, side effects; types too). */
export function importsOf(code: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) if (m[1]?.startsWith(".")) out.push(m[1]);
  }
  return out;
}

function resolveImport(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const cand of [base, `${base}.ts`, `${base}.tsx`, `${base}.d.ts`, join(base, "index.ts"), join(base, "index.tsx")]) {
    try {
      if (statSync(cand).isFile()) return cand;
    } catch {
      // try the next spelling
    }
  }
  return base;
}

test("imports parse in every form the app uses", () => {
  const code = [
    'import { a } from "../base/store";',
    'import type { B } from "./b";',
    'export { c } from "../c";',
    'import "./styles.css";',
    'const X = lazy(() => import("../screens/admin/Users"));',
    'import {\n  d,\n  e,\n} from "./multi";',
    'import react from "react";',
  ].join("\n");
  expect(importsOf(code).sort()).toEqual(["../base/store", "../c", "../screens/admin/Users", "./b", "./multi", "./styles.css"].sort());
});

test("every source file has a layer", () => {
  const homeless = files(src)
    .filter((f) => !layerOf(f))
    .map((f) => relative(src, f));
  expect(homeless, "add the directory to LAYERS in layers.test.ts").toEqual([]);
});

test("no import runs upward", () => {
  const upward: string[] = [];
  for (const file of files(src)) {
    const from = layerOf(file);
    if (!from) continue;
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const target = resolveImport(file, spec);
      if (!target.startsWith(src)) continue;
      const to = layerOf(target);
      if (!to) continue;
      if (ORDER.indexOf(to) > ORDER.indexOf(from)) {
        upward.push(`${relative(src, file)} (${from}) imports ${relative(src, target)} (${to})`);
      }
    }
  }
  expect(upward).toEqual([]);
});
