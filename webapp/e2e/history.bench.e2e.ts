// How the channel view copes with a long history: seeds a channel with
// KONTOR_BENCH_MESSAGES messages (100,000 by default) through the API,
// then measures in Chromium how long the channel takes to open, how long
// each older page takes to appear while scrolling up, how long a link into
// the middle of the history takes, and how many elements and how much
// memory the page holds. Prints a table for docs/benchmarks.md.
//
//   make build && cd webapp && KONTOR_BIN=../bin/kontor npm run bench:history

import { afterAll, expect, test } from "vitest";
import { launch } from "./browser";
import { startKontor, type Kontor } from "./server";

const total = Number(process.env.KONTOR_BENCH_MESSAGES ?? 100_000);
let kontor: Kontor | undefined;

afterAll(async () => {
  await kontor?.stop();
});

async function json<T>(r: Response): Promise<T> {
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

test(`channel view with ${total} messages`, async () => {
  kontor = await startKontor();
  const k = kontor;
  const login = async (username: string, password: string) =>
    (await json<{ token: string }>(await fetch(`${k.url}/api/v1/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password, bearer: true }) }))).token;
  const admin = await login("admin", k.adminPassword);
  await json(await fetch(`${k.url}/api/v1/admin/users`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${admin}` }, body: JSON.stringify({ username: "bench", display_name: "Bench Person", password: "bench-password-1" }) }));
  const token = await login("bench", "bench-password-1");
  const auth = { "Content-Type": "application/json", Authorization: `Bearer ${token}` };
  const channel = await json<{ id: string }>(await fetch(`${k.url}/api/v1/channels`, { method: "POST", headers: auth, body: JSON.stringify({ name: "history" }) }));

  // Seed: 16 posters in parallel, in order within each.
  const seedStart = performance.now();
  let next = 1;
  let middle = "";
  const poster = async () => {
    for (;;) {
      const i = next++;
      if (i > total) return;
      const m = await json<{ id: string }>(
        await fetch(`${k.url}/api/v1/channels/${channel.id}/messages`, { method: "POST", headers: auth, body: JSON.stringify({ text: `Message ${i}: **status** update for project ${i % 97}, see https://example.com/p/${i}` }) }),
      );
      if (i === Math.floor(total / 2)) middle = m.id;
    }
  };
  await Promise.all(Array.from({ length: 16 }, poster));
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const browser = await launch();
  const context = await browser.newContext({ baseURL: k.url, viewport: { width: 1280, height: 800 } });
  const r = await context.request.post("/api/v1/auth/login", { data: { username: "bench", password: "bench-password-1" } });
  expect(r.ok()).toBe(true);
  const page = await context.newPage();
  const last = `Message ${total}:`;

  const opens: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await page.goto(`/c/${channel.id}`);
    await page.getByRole("article").filter({ hasText: last }).waitFor({ timeout: 30_000 });
    opens.push(Date.now() - t0);
  }

  // Scroll up page by page: how long until older messages appear.
  const pages: number[] = [];
  const firstShown = () => page.locator("article[data-message-id]").first().textContent();
  for (let i = 0; i < 20; i++) {
    const before = await firstShown();
    const t0 = Date.now();
    await page.locator(".message-list").evaluate((el) => el.scrollTo({ top: 0 }));
    await page.waitForFunction(
      (b) => {
        const el = document.querySelector("article[data-message-id]");
        return el !== null && el.textContent !== b && !document.querySelector(".message-list .loading");
      },
      before,
      { timeout: 30_000 },
    );
    pages.push(Date.now() - t0);
  }
  const articles = await page.locator("article").count();
  const nodes = await page.evaluate(() => document.getElementsByTagName("*").length);
  const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);

  const t0 = Date.now();
  await page.goto(`/c/${channel.id}?m=${middle}`);
  await page.locator("article.msg-highlight").waitFor({ timeout: 30_000 });
  const jump = Date.now() - t0;
  await browser.close();

  const rows = [
    ["messages in the channel", String(total)],
    ["seeding over the API (16 posters)", `${seedSeconds.toFixed(0)} s (${Math.round(total / seedSeconds)} messages/s)`],
    ["open the channel (page load to newest message shown), median of 3", `${median(opens)} ms`],
    ["one older page (50) after scrolling to the top, median of 20", `${median(pages)} ms (max ${Math.max(...pages)} ms)`],
    [`message elements in the page after 20 pages (${Math.min(total, 50 * 21)} loaded)`, String(articles)],
    ["all elements in the page then", String(nodes)],
    ["JS heap then", `${(heap / 1024 / 1024).toFixed(1)} MiB`],
    ["open a link to the middle message (page load to highlighted)", `${jump} ms`],
  ];
  console.log(["| measure | result |", "|---|---|", ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join("\n"));
  expect(articles).toBeLessThan(100);
});
