// Kontor as a daily driver (issue 14), in a real Chromium against a real
// `kontor serve`, at the three sizes people use it at: a desktop
// (1440×900), a small laptop (1024×768) and a phone (390×844, touch).
// Keyboard paths are driven by keys only.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launch, newUser, sizes, type Size, type Watched } from "./browser";
import { startKontor, type Kontor } from "./server";

let kontor: Kontor;
let browser: Browser;
const ids: Record<string, string> = {};
let general = "";
let sales = "";

interface Person extends Watched {
  id: string;
  post: (path: string, body: unknown) => Promise<unknown>;
  get: (path: string) => Promise<unknown>;
  close: () => Promise<void>;
}

async function api(method: string, path: string, token: string, body?: unknown): Promise<unknown> {
  const r = await fetch(`${kontor.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? undefined : r.json();
}

async function token(username: string, password: string): Promise<string> {
  const r = await fetch(`${kontor.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password, bearer: true }),
  });
  return ((await r.json()) as { token: string }).token;
}

/** A browser context at a size, signed in as username (the session cookie comes from the API). */
async function person(username: string, size: Size, locale = "en-US"): Promise<Person> {
  const w = await newUser(browser, kontor.url, locale, size);
  w.context.setDefaultTimeout(10_000);
  const r = await w.context.request.post("/api/v1/auth/login", { data: { username, password: `${username}-password-1` } });
  if (!r.ok()) throw new Error(`login ${username}: ${r.status()}`);
  const csrf = ((await r.json()) as { csrf_token: string }).csrf_token;
  const post = async (path: string, body: unknown) => {
    const res = await w.context.request.post(path, { data: body, headers: { "X-CSRF-Token": csrf } });
    if (!res.ok()) throw new Error(`POST ${path}: ${res.status()} ${await res.text()}`);
    return res.json();
  };
  const get = async (path: string) => {
    const res = await w.context.request.get(path);
    if (!res.ok()) throw new Error(`GET ${path}: ${res.status()} ${await res.text()}`);
    return res.json();
  };
  return { ...w, id: ids[username] ?? "", post, get, close: () => w.context.close() };
}

const composer = (p: Page) => p.locator(".chat-main").getByRole("combobox", { name: /^Message / });
const message = (p: Page, text: string) => p.getByRole("article").filter({ hasText: text });
const allSizes = Object.keys(sizes) as Size[];

beforeAll(async () => {
  kontor = await startKontor();
  browser = await launch();
  const admin = await token("admin", kontor.adminPassword);
  for (const [username, name] of [
    ["akoch", "Anna Koch"],
    ["bwagner", "Bernd Wagner"],
    ["cschulz", "Carla Schulz"],
  ] as const) {
    const out = (await api("POST", "/api/v1/admin/users", admin, { username, display_name: name, password: `${username}-password-1` })) as { user: { id: string } };
    ids[username] = out.user.id;
  }
  const anna = await token("akoch", "akoch-password-1");
  general = ((await api("POST", "/api/v1/channels", anna, { name: "allgemein", member_ids: [ids.bwagner, ids.cschulz] })) as { id: string }).id;
  sales = ((await api("POST", "/api/v1/channels", anna, { name: "vertrieb", member_ids: [ids.bwagner] })) as { id: string }).id;
  await api("POST", `/api/v1/channels/${general}/messages`, anna, { text: "Guten Morgen zusammen" });
  await api("POST", `/api/v1/channels/${sales}/messages`, anna, { text: "Die Zahlen für Oktober" });
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe("self-destruct", () => {
  test.each(allSizes)("is chosen per message: the next ordinary message stays (%s)", async (size) => {
    const anna = await person("akoch", size);
    const p = anna.page;
    await p.goto(`/c/${general}`);
    const lifetime = p.locator(".chat-main").getByLabel("Self-destruct");
    await lifetime.selectOption({ label: "1 minute" });
    await composer(p).fill(`Nur kurz sichtbar (${size})`);
    await composer(p).press("Enter");
    await message(p, `Nur kurz sichtbar (${size})`).getByText(/Disappears/).waitFor();
    // The choice is back at "Keep" for the next message.
    await expect.poll(() => lifetime.inputValue()).toBe("0");
    await composer(p).fill(`Bleibt stehen (${size})`);
    await composer(p).press("Enter");
    await message(p, `Bleibt stehen (${size})`).waitFor();
    expect(await message(p, `Bleibt stehen (${size})`).getByText(/Disappears/).count()).toBe(0);
    const page = (await anna.get(`/api/v1/channels/${general}/messages?limit=5`)) as { items: { text: string; expires_at?: string }[] };
    const kept = page.items.find((m) => m.text === `Bleibt stehen (${size})`);
    expect(kept, "the ordinary message is on the server").toBeDefined();
    expect(kept?.expires_at, "the ordinary message does not expire").toBeUndefined();
    expect(anna.problems).toEqual([]);
    await anna.close();
  });
});
