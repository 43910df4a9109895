// Calls in real Chromium pages against a real `kontor serve` and its SFU:
// three colleagues in one channel hold a video call (each receives the
// others' video: getStats bytes grow and a decoded frame is not black),
// one shares a screen, one reloads and is back; an IT person calls a
// colleague from a DM, the colleague's page rings, and the colleague's
// screen is shared only when they accept the IT person's request.
//
// Chromium runs with a fake camera, microphone and screen and no prompts
// (--use-fake-device-for-media-stream --use-fake-ui-for-media-stream, in
// chromium.mjs): getDisplayMedia then picks the fake screen by itself.
// Every wait is on a condition in the page, never a fixed time.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { axe, launch, newUser, screenshot, type Size, type Watched } from "./browser";
import { startKontor, type Kontor } from "./server";

let kontor: Kontor;
let browser: Browser;

interface Person extends Watched {
  id: string;
  name: string;
  post: (path: string, body: unknown) => Promise<unknown>;
}

async function adminToken(): Promise<string> {
  const r = await fetch(`${kontor.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "admin", password: kontor.adminPassword, bearer: true }),
  });
  return ((await r.json()) as { token: string }).token;
}

async function createAccount(token: string, username: string, name: string): Promise<string> {
  const r = await fetch(`${kontor.url}/api/v1/admin/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ username, display_name: name, department: "IT", password: `${username}-password-1` }),
  });
  if (r.status !== 201) throw new Error(`create ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { user: { id: string } }).user.id;
}

async function person(token: string, username: string, name: string, size?: Size): Promise<Person> {
  const id = await createAccount(token, username, name);
  const w = await newUser(browser, kontor.url, "en-US", size);
  // Three pages encoding and decoding video on a shared 2-core machine are slow to answer: waits get a minute.
  w.context.setDefaultTimeout(60_000);
  const r = await w.context.request.post("/api/v1/auth/login", { data: { username, password: `${username}-password-1` } });
  if (!r.ok()) throw new Error(`login ${username}: ${r.status()}`);
  const csrf = ((await r.json()) as { csrf_token: string }).csrf_token;
  const post = async (path: string, body: unknown) => {
    const res = await w.context.request.post(path, { data: body, headers: { "X-CSRF-Token": csrf } });
    if (!res.ok()) throw new Error(`POST ${path}: ${res.status()} ${await res.text()}`);
    return res.json();
  };
  return { ...w, id, name, post };
}

async function expectAccessible(page: Page, screen: string) {
  const violations = await axe(page);
  expect(violations, `axe on ${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

const t0 = Date.now();
/** Progress in the test log: which step a slow or stuck run reached. */
const step = (what: string) => console.log(`[calls e2e ${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);

const callView = (p: Page) => p.locator("section.call-view");
const tile = (p: Page, userId: string) => p.locator(`.call-view .call-tile[data-user="${userId}"]`);

/** Waits until the page shows `from`'s video of `source` with frames being decoded, and returns its track id. */
async function videoFlows(p: Page, from: string, source: "camera" | "screen"): Promise<string> {
  const sel = `.call-view video[data-user="${from}"][data-source="${source}"]`;
  step(`wait for ${source} of ${from}`);
  // The track id is read in the same check: on a loaded machine a tile may hide its video again when frames pause.
  const h = await p.waitForFunction((s) => {
    const v = document.querySelector<HTMLVideoElement>(s);
    return !!v && v.readyState >= 2 && v.videoWidth > 0 ? (v.getAttribute("data-track") ?? "") : false;
  }, sel);
  return String(await h.jsonValue());
}

/** Draws the video into a canvas: some of its pixels must be lit (a frame was decoded, and it is not black). */
async function frameNotBlack(p: Page, from: string, source: "camera" | "screen"): Promise<void> {
  const sel = `.call-view video[data-user="${from}"][data-source="${source}"]`;
  await p.waitForFunction((s) => {
    const v = document.querySelector<HTMLVideoElement>(s);
    if (!v || v.videoWidth === 0) return false;
    const c = document.createElement("canvas");
    c.width = 64;
    c.height = 36;
    const ctx = c.getContext("2d");
    if (!ctx) return false;
    ctx.drawImage(v, 0, 0, c.width, c.height);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if ((d[i] ?? 0) + (d[i + 1] ?? 0) + (d[i + 2] ?? 0) > 90) lit++;
    return lit > (c.width * c.height) / 20;
  }, sel);
}

/** The bytes of `from`'s camera the page received (getStats, shown on the tile) grow. */
async function bytesGrow(p: Page, from: string): Promise<void> {
  const sel = `.call-view .call-tile[data-user="${from}"]`;
  const before = await p.waitForFunction((s) => {
    const n = Number(document.querySelector(s)?.getAttribute("data-bytes") ?? 0);
    return n > 0 ? n : false;
  }, sel);
  const first = Number(await before.jsonValue());
  step(`bytes of ${from}: ${first}, wait for more`);
  await p.waitForFunction(([s, n]) => Number(document.querySelector(s as string)?.getAttribute("data-bytes") ?? 0) > (n as number), [sel, first] as const);
}

async function joinFromChannel(p: Page, how: "start" | "join") {
  if (how === "start") await p.locator(".chat-head").getByRole("button", { name: "Call" }).click();
  else await p.getByRole("region", { name: "Call in progress" }).getByRole("button", { name: "Join call" }).click();
  const dialog = p.getByRole("dialog", { name: /^Join the call in / });
  await dialog.waitFor();
  const join = dialog.getByRole("button", { name: "Join now" });
  // The preview opens the camera first (slow on a loaded machine).
  await expect.poll(() => join.isEnabled(), { timeout: 60_000 }).toBe(true);
  return { dialog, join };
}

async function inCall(p: Page) {
  step("wait until in the call");
  await p.waitForFunction(() => document.querySelector("section.call-view")?.getAttribute("data-phase") === "in-call");
}

beforeAll(async () => {
  kontor = await startKontor();
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe("calls", () => {
  let anna: Person;
  let bernd: Person;
  let carla: Person;
  let ingo: Person;

  beforeAll(async () => {
    const token = await adminToken();
    anna = await person(token, "akoch", "Anna Koch");
    // Bernd works on a small laptop: the call must fit 1024 px.
    bernd = await person(token, "bwagner", "Bernd Wagner", "laptop");
    carla = await person(token, "cschulz", "Carla Schulz");
    ingo = await person(token, "ihelp", "Ingo Helpdesk");
  }, 180_000);

  test("three colleagues hold a video call in a channel; one shares a screen; one reloads and is back", async () => {
    const ch = (await anna.post("/api/v1/channels", { name: "standup", member_ids: [bernd.id, carla.id] })) as { id: string };
    const url = `/c/${ch.id}`;
    for (const x of [anna, bernd, carla]) await x.page.goto(url);

    const a = await joinFromChannel(anna.page, "start");
    await expectAccessible(anna.page, "pre-join check");
    await anna.page.waitForFunction(() => {
      const v = document.querySelector<HTMLVideoElement>("video.call-preview");
      return !!v && v.videoWidth > 0;
    });
    await screenshot(anna.page, "call-prejoin");
    await a.join.click();
    await inCall(anna.page);

    for (const x of [bernd, carla]) {
      const j = await joinFromChannel(x.page, "join");
      step(`${x.name} clicks Join now`);
      await j.join.click();
      await inCall(x.page);
    }

    const everyone = [anna, bernd, carla];
    for (const x of everyone) {
      for (const y of everyone) {
        if (x === y) continue;
        await videoFlows(x.page, y.id, "camera");
        await frameNotBlack(x.page, y.id, "camera");
        await bytesGrow(x.page, y.id);
      }
    }
    await expectAccessible(anna.page, "call view");
    // 1024 px: nothing sticks out sideways, the controls are on screen.
    expect(await bernd.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
    await expect.poll(() => bernd.page.getByRole("toolbar", { name: "Call controls" }).getByRole("button", { name: "Leave" }).isVisible(), { timeout: 60_000 }).toBe(true);
    await screenshot(bernd.page, "call-grid-1024");

    // Mute by keyboard: the others see it in the call state.
    await bernd.page.keyboard.press("Control+Shift+M");
    await tile(anna.page, bernd.id).getByText("Microphone off").waitFor();
    await bernd.page.keyboard.press("Control+Shift+M");
    await expect.poll(() => tile(anna.page, bernd.id).getByText("Microphone off").count(), { timeout: 60_000 }).toBe(0);

    // Anna shares her screen; Bernd and Carla receive it, fitted to the window.
    step("Anna shares her screen");
    await callView(anna.page).getByRole("button", { name: "Share screen" }).click();
    for (const x of [bernd, carla]) {
      await videoFlows(x.page, anna.id, "screen");
      await frameNotBlack(x.page, anna.id, "screen");
    }
    await screenshot(bernd.page, "call-screen-share");
    await expectAccessible(bernd.page, "call with a shared screen");
    const fits = await bernd.page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('.call-view video[data-source="screen"]');
      const r = v?.getBoundingClientRect();
      return !!r && r.right <= window.innerWidth && r.bottom <= window.innerHeight && getComputedStyle(v as Element).objectFit === "contain";
    });
    expect(fits).toBe(true);

    // Carla reloads: she is back in the call, and her video flows to the others again.
    const before = await videoFlows(anna.page, carla.id, "camera");
    step("Carla reloads");
    await carla.page.reload();
    await inCall(carla.page);
    for (const x of [anna, bernd]) {
      await x.page.waitForFunction(
        ([u, old]) => {
          const v = document.querySelector<HTMLVideoElement>(`.call-view video[data-user="${u}"][data-source="camera"]`);
          return !!v && v.getAttribute("data-track") !== old && v.readyState >= 2 && v.videoWidth > 0;
        },
        [carla.id, before] as const,
      );
      await frameNotBlack(x.page, carla.id, "camera");
      await bytesGrow(x.page, carla.id);
    }
    await videoFlows(carla.page, anna.id, "camera");
    await frameNotBlack(carla.page, bernd.id, "camera");

    for (const x of everyone) {
      await callView(x.page).getByRole("button", { name: "Leave" }).click();
      await callView(x.page).waitFor({ state: "detached" });
    }
    // The last one out ends the call: the channel shows no live call any more.
    await expect.poll(() => anna.page.getByRole("region", { name: "Call in progress" }).count(), { timeout: 60_000 }).toBe(0);
    for (const x of everyone) expect(x.problems).toEqual([]);
  }, 600_000);

  test("IT support: Ingo calls Bernd from a DM, Bernd's page rings; his screen is shared only when he accepts", async () => {
    // Whatever the first test left running goes: Anna's and Carla's pages close their calls, Bernd leaves his.
    for (const x of [anna, carla]) await x.page.goto("about:blank");
    if ((await callView(bernd.page).count()) > 0) await callView(bernd.page).getByRole("button", { name: "Leave" }).click();
    const dm = (await ingo.post("/api/v1/channels/direct", { user_ids: [bernd.id] })) as { id: string };
    await bernd.page.goto("/");
    await bernd.page.getByRole("navigation", { name: "Workspace" }).getByText("Ingo Helpdesk").waitFor();
    await ingo.page.goto(`/c/${dm.id}`);
    const i = await joinFromChannel(ingo.page, "start");
    await i.join.click();
    await inCall(ingo.page);

    const ring = bernd.page.getByRole("dialog", { name: "Incoming call" });
    await ring.getByText("Ingo Helpdesk is calling you").waitFor();
    await expectAccessible(bernd.page, "incoming call");
    await screenshot(bernd.page, "call-ringing");
    await ring.getByRole("button", { name: "Accept" }).click();
    await inCall(bernd.page);
    await videoFlows(ingo.page, bernd.id, "camera");

    // A declined request shares nothing.
    const ask = tile(ingo.page, bernd.id).getByRole("button", { name: "Ask Bernd Wagner to share their screen" });
    await ask.click();
    const req = bernd.page.getByRole("dialog", { name: "Share your screen?" });
    await req.getByText("Ingo Helpdesk asks you to share your screen").waitFor();
    await expectAccessible(bernd.page, "screen share request");
    await req.getByRole("button", { name: "Don't share" }).click();
    await callView(ingo.page).getByText("Bernd Wagner declined to share their screen.").waitFor();
    expect(await callView(bernd.page).getByRole("button", { name: "Share screen" }).getAttribute("aria-pressed")).toBe("false");
    expect(await ingo.page.locator('.call-view video[data-source="screen"]').count()).toBe(0);
    // Nothing was published as a screen either: the server's call state lists no screen track of Bernd's.
    const screens = async () => {
      const r = await ingo.context.request.get(`/api/v1/channels/${dm.id}/calls?limit=1`);
      const body = (await r.json()) as { items: { participants: { user_id: string; tracks: { source: string }[] }[] }[] };
      return (body.items[0]?.participants ?? []).flatMap((p) => p.tracks.filter((t) => t.source === "screen").map(() => p.user_id));
    };
    expect(await screens()).toEqual([]);

    // Asked again, he accepts: Ingo receives his screen.
    await ask.click();
    await req.getByRole("button", { name: "Share screen" }).click();
    await callView(ingo.page).getByText("Bernd Wagner is sharing their screen.").waitFor();
    await videoFlows(ingo.page, bernd.id, "screen");
    await frameNotBlack(ingo.page, bernd.id, "screen");
    expect(await screens()).toEqual([bernd.id]);
    await screenshot(ingo.page, "call-support-screen");

    await callView(ingo.page).getByRole("button", { name: "Leave" }).click();
    await callView(bernd.page).getByRole("button", { name: "Leave" }).click();
    await callView(bernd.page).waitFor({ state: "detached" });
    for (const x of [ingo, bernd]) expect(x.problems).toEqual([]);
  }, 300_000);
});
