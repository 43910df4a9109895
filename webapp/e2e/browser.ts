// The browser side of the end-to-end tests: Chromium from the system,
// axe-core for accessibility, screenshots, and a watch for CSP violations
// and script errors (either fails the test).

import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { chromiumArgs, chromiumPath } from "./chromium.mjs";

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** CSP violations and uncaught errors seen so far. */
  problems: string[];
}

/** The sizes issue 14 tries the app at: a desktop, a small laptop, and a phone (touch). */
export const sizes = {
  desktop: { viewport: { width: 1440, height: 900 } },
  laptop: { viewport: { width: 1024, height: 768 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
} as const;
export type Size = keyof typeof sizes;

export async function newUser(browser: Browser, baseURL: string, locale = "en-US", size?: Size): Promise<Watched> {
  const context = await browser.newContext({ baseURL, locale, ...(size ? sizes[size] : { viewport: { width: 1280, height: 800 } }) });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  return { context, page, problems };
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface Violation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
  /** The offending elements' HTML (cut short), to find them quickly. */
  html: string[];
}

/** Runs axe-core on the page; returns serious and critical violations. */
export async function axe(page: Page): Promise<Violation[]> {
  // Evaluated over the DevTools protocol, so the page's CSP (no inline
  // scripts) stays on while axe runs.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[]; html: string }[] }[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")), html: v.nodes.map((n) => n.html.slice(0, 200)) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

const artifacts = resolve(import.meta.dirname, "../test-results/screenshots");

/** Saves a screenshot as a test artifact, and into KONTOR_SCREENSHOTS (docs/screenshots) when set. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  const keep = process.env.KONTOR_SCREENSHOTS;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    copyFileSync(file, join(keep, `${name}.png`));
  }
}
