// Kontor as a daily driver (issue 14), in a real Chromium against a real
// `kontor serve`, at the three sizes people use it at: a desktop
// (1440×900), a small laptop (1024×768) and a phone (390×844, touch).
// Keyboard paths are driven by keys only.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { axe, launch, newUser, screenshot, sizes, type Size, type Watched } from "./browser";
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

async function expectAccessible(page: Page, screen: string) {
  const violations = await axe(page);
  expect(violations, `axe on ${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
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

/** Interactive elements in the given parts of the page that are visible and smaller than 44×44 px. */
async function smallTargets(p: Page, within: string): Promise<string[]> {
  return p.evaluate((sel) => {
    const out: string[] = [];
    for (const root of Array.from(document.querySelectorAll(sel))) {
      for (const el of Array.from(root.querySelectorAll<HTMLElement>("a[href], button, select, input:not([type=hidden]), textarea"))) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || el.closest("[hidden]")) continue;
        if (r.height < 44 || r.width < 44) out.push(`${el.tagName.toLowerCase()} "${el.getAttribute("aria-label") ?? el.textContent?.trim() ?? ""}" ${Math.round(r.width)}×${Math.round(r.height)}`);
      }
    }
    return out;
  }, within);
}

/** How far the page is wider than the screen (0: it fits). */
const overflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe("phone (390×844, touch)", () => {
  test("the drawer opens the channels, the conversations and search; a channel has a full-width box; targets are 44 px", async () => {
    const anna = await person("akoch", "phone");
    const p = anna.page;
    await p.goto("/");
    const menu = p.getByRole("button", { name: "Menu", exact: true });
    const nav = p.getByRole("navigation", { name: "Workspace" });
    await menu.waitFor();
    expect(await nav.isVisible()).toBe(false);
    await menu.tap();
    await nav.getByRole("link", { name: /allgemein/ }).waitFor();
    await nav.getByRole("heading", { name: "Direct messages" }).waitFor();
    await nav.getByRole("searchbox", { name: "Search" }).waitFor();
    expect(await smallTargets(p, ".topbar, #sidebar")).toEqual([]);
    await expectAccessible(p, "phone drawer");
    await screenshot(p, "phone-drawer");

    // A channel from the drawer: the drawer closes, the box is as wide as the screen allows.
    await nav.getByRole("link", { name: /allgemein/ }).tap();
    await message(p, "Guten Morgen zusammen").waitFor();
    expect(await nav.isVisible()).toBe(false);
    const box = await composer(p).boundingBox();
    expect(box?.width ?? 0, "the text box takes the screen's width").toBeGreaterThan(300);
    expect(await smallTargets(p, ".topbar, .chat-head, .composer")).toEqual([]);
    expect(await overflow(p)).toBe(0);

    // Search from the drawer.
    await menu.tap();
    await nav.getByRole("searchbox", { name: "Search" }).fill("Oktober");
    await nav.getByRole("searchbox", { name: "Search" }).press("Enter");
    await p.waitForURL(/\/search\?q=Oktober/);
    await p.getByRole("main").getByText("Die Zahlen für").waitFor();
    expect(await nav.isVisible()).toBe(false);
    expect(anna.problems).toEqual([]);
    await anna.close();
  });

  test("a channel opened from a link: a picture fits the screen", async () => {
    const anna = await person("akoch", "phone");
    const p = anna.page;
    await p.goto(`/c/${sales}`);
    await message(p, "Die Zahlen für Oktober").waitFor();
    const png = readFileSync(resolve(import.meta.dirname, "../public/icons/icon-512.png"));
    await p.locator('.chat-main input[type="file"]').setInputFiles({ name: "Umsatz.png", mimeType: "image/png", buffer: png });
    await p.getByText("Ready").waitFor();
    await composer(p).fill("Das Diagramm");
    await composer(p).press("Enter");
    const thumb = message(p, "Das Diagramm").getByRole("button", { name: "Open Umsatz.png" });
    await thumb.waitFor();
    await expect.poll(async () => (await thumb.locator("img").boundingBox())?.width ?? 0).toBeGreaterThan(100);
    const r = await thumb.boundingBox();
    expect((r?.x ?? 0) + (r?.width ?? 0), "the picture ends inside the screen").toBeLessThanOrEqual(390);
    expect(await overflow(p)).toBe(0);
    await screenshot(p, "phone-channel");
    await anna.close();
  });
});

describe("1024×768 with a thread open", () => {
  test("both text boxes are usable", async () => {
    const anna = await person("akoch", "laptop");
    const root = (await anna.post(`/api/v1/channels/${general}/messages`, { text: "Wer kommt zum Workshop?" })) as { id: string };
    const p = anna.page;
    await p.goto(`/c/${general}?thread=${root.id}`);
    const thread = p.getByRole("complementary", { name: "Thread" });
    const reply = thread.getByRole("combobox", { name: "Reply" });
    await reply.waitFor();
    for (const box of [composer(p), reply]) {
      const r = await box.boundingBox();
      expect(r?.width ?? 0, "a text box at 1024 px beside a thread").toBeGreaterThan(250);
    }
    await reply.fill("Ich komme");
    await reply.press("Enter");
    await thread.getByRole("article").filter({ hasText: "Ich komme" }).waitFor();
    await composer(p).fill("Und hier im Kanal");
    await composer(p).press("Enter");
    await p.locator(".chat-main").getByRole("article").filter({ hasText: "Und hier im Kanal" }).waitFor();
    await screenshot(p, "laptop-thread");
    await anna.close();
  });
});

const focused = (l: ReturnType<typeof composer>) => l.evaluate((el) => el === document.activeElement);

describe("keyboard", () => {
  test.each(["desktop", "laptop"] as const)("switcher, Alt+arrows, ↑ to edit, Esc, help: keys only, focus in the box (%s)", async (size) => {
    // Something unread for Anna: a new channel of Bernd's, and a direct message from Carla.
    const bernd = await token("bwagner", "bwagner-password-1");
    const carla = await token("cschulz", "cschulz-password-1");
    const zentrale = ((await api("POST", "/api/v1/channels", bernd, { name: `zentrale-${size}`, member_ids: [ids.akoch] })) as { id: string }).id;
    await api("POST", `/api/v1/channels/${zentrale}/messages`, bernd, { text: "Bitte die Liste prüfen" });
    const dm = ((await api("POST", "/api/v1/channels/direct", carla, { user_ids: [ids.akoch] })) as { id: string }).id;
    await api("POST", `/api/v1/channels/${dm}/messages`, carla, { text: `Hast du kurz Zeit? (${size})` });

    const anna = await person("akoch", size);
    const p = anna.page;
    await p.goto(`/c/${general}`);
    await message(p, "Guten Morgen zusammen").waitFor();
    await expect.poll(() => focused(composer(p)), { message: "focus starts in the text box" }).toBe(true);

    // Ctrl+K: a few letters, Enter.
    await p.keyboard.press("Control+k");
    const switcher = p.getByRole("dialog", { name: "Go to a conversation" });
    await switcher.waitFor();
    await expectAccessible(p, "quick switcher");
    await p.keyboard.type("vert");
    await switcher.getByRole("option", { name: "#vertrieb" }).waitFor();
    await p.keyboard.press("Enter");
    await p.waitForURL(new RegExp(`/c/${sales}$`));
    await p.getByRole("heading", { name: "#vertrieb", level: 1 }).waitFor();
    await expect.poll(() => focused(composer(p)), { message: "focus in the text box after switching" }).toBe(true);

    // Alt+↑ and Alt+↓ walk the sidebar: #allgemein, #vertrieb, #zentrale-…
    await p.keyboard.press("Alt+ArrowUp");
    await p.waitForURL(new RegExp(`/c/${general}$`));
    await expect.poll(() => focused(composer(p))).toBe(true);
    // Alt+Shift+↓ skips #vertrieb (read) to the unread channel, then to the unread conversation.
    await p.keyboard.press("Alt+Shift+ArrowDown");
    await p.waitForURL(new RegExp(`/c/${zentrale}$`));
    await message(p, "Bitte die Liste prüfen").waitFor();
    await p.keyboard.press("Alt+Shift+ArrowDown");
    await p.waitForURL(new RegExp(`/c/${dm}$`));
    await message(p, `Hast du kurz Zeit? (${size})`).waitFor();

    // ↑ in the empty box edits my last message; Enter saves; focus is back in the box.
    await expect.poll(() => focused(composer(p))).toBe(true);
    await p.keyboard.type(`Ja, gleich (${size})`);
    await p.keyboard.press("Enter");
    await message(p, `Ja, gleich (${size})`).waitFor();
    await p.keyboard.press("ArrowUp");
    const edit = p.getByRole("textbox", { name: "Edit message" });
    await edit.waitFor();
    await expect.poll(() => edit.evaluate((el) => el === document.activeElement)).toBe(true);
    await p.keyboard.press("End");
    await p.keyboard.type(" – in fünf Minuten");
    await p.keyboard.press("Enter");
    await message(p, `Ja, gleich (${size}) – in fünf Minuten`).getByText("edited").waitFor();
    await expect.poll(() => focused(composer(p)), { message: "focus back in the box after saving" }).toBe(true);

    // Esc closes a thread, and focus goes to the box.
    const mine = (await anna.get(`/api/v1/channels/${dm}/messages?limit=1`)) as { items: { id: string }[] };
    await p.goto(`/c/${dm}?thread=${mine.items[0]?.id ?? ""}`);
    const thread = p.getByRole("complementary", { name: "Thread" });
    await thread.waitFor();
    await p.keyboard.press("Escape");
    await thread.waitFor({ state: "detached" });
    await expect.poll(() => focused(composer(p))).toBe(true);

    // Ctrl+/ lists the shortcuts; Esc closes it.
    await p.keyboard.press("Control+/");
    const help = p.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.getByText("Previous or next conversation with unread messages").waitFor();
    await expectAccessible(p, "shortcuts help");
    await p.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });
    expect(anna.problems).toEqual([]);
    await anna.close();
  });
});

describe("tab title and sign-in", () => {
  test.each(allSizes)("the tab names the conversation and counts what waits; signing in lands on the last conversation (%s)", async (size) => {
    const w = await newUser(browser, kontor.url, "en-US", size);
    w.context.setDefaultTimeout(10_000);
    const p = w.page;
    const signIn = async () => {
      await p.getByLabel("Username").fill("bwagner");
      await p.getByLabel("Password", { exact: true }).fill("bwagner-password-1");
      await p.getByRole("button", { name: "Sign in" }).click();
    };
    await p.goto("/");
    await signIn();
    await p.getByRole("heading", { name: "Welcome, Bernd Wagner" }).waitFor();
    await p.goto(`/c/${sales}`);
    await message(p, "Die Zahlen für Oktober").waitFor();
    await expect.poll(() => p.title()).toBe("#vertrieb · Kontor");

    // Carla mentions Bernd in a new channel: the tab counts it.
    const carla = await token("cschulz", "cschulz-password-1");
    const lunch = ((await api("POST", "/api/v1/channels", carla, { name: `mittag-${size}`, member_ids: [ids.bwagner] })) as { id: string }).id;
    await api("POST", `/api/v1/channels/${lunch}/messages`, carla, { text: `@bwagner Mittagessen? (${size})` });
    await expect.poll(() => p.title()).toBe("(1) #vertrieb · Kontor");

    // Sign out, sign in again: back in #vertrieb, not on the home page.
    if (size === "phone") await p.getByRole("button", { name: "Open account menu" }).tap();
    else await p.getByRole("button", { name: "Open account menu" }).click();
    await p.getByRole("menuitem", { name: "Sign out" }).click();
    await p.getByText("You have signed out.").waitFor();
    await p.goto("/");
    await signIn();
    await p.waitForURL(new RegExp(`/c/${sales}$`));
    await message(p, "Die Zahlen für Oktober").waitFor();
    await expect.poll(() => p.title()).toBe("(1) #vertrieb · Kontor");
    // Reading it clears the count.
    await p.goto(`/c/${lunch}`);
    await message(p, `Mittagessen? (${size})`).waitFor();
    await expect.poll(() => p.title()).toBe(`#mittag-${size} · Kontor`);
    await w.context.close();
  });
});

describe("drafts", () => {
  test.each(allSizes)("unsent text survives a reload, per conversation, and is gone after sign-out (%s)", async (size) => {
    const anna = await person("akoch", size);
    const p = anna.page;
    await p.goto(`/c/${sales}`);
    await message(p, "Die Zahlen für Oktober").waitFor();
    await composer(p).fill(`Noch nicht fertig (${size})`);
    await p.goto(`/c/${general}`);
    await message(p, "Guten Morgen zusammen").waitFor();
    expect(await composer(p).inputValue()).toBe("");
    await p.reload();
    await message(p, "Guten Morgen zusammen").waitFor();
    expect(await composer(p).inputValue()).toBe("");
    await p.goto(`/c/${sales}`);
    await message(p, "Die Zahlen für Oktober").waitFor();
    await expect.poll(() => composer(p).inputValue()).toBe(`Noch nicht fertig (${size})`);

    // Signing out forgets it: not in the page, not in the browser's storage.
    await p.getByRole("button", { name: "Open account menu" }).click();
    await p.getByRole("menuitem", { name: "Sign out" }).click();
    await p.getByText("You have signed out.").waitFor();
    expect(await p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("kontor.drafts")))).toEqual([]);
    await p.getByLabel("Username").fill("akoch");
    await p.getByLabel("Password", { exact: true }).fill("akoch-password-1");
    await p.getByRole("button", { name: "Sign in" }).click();
    await message(p, "Die Zahlen für Oktober").waitFor();
    expect(await composer(p).inputValue()).toBe("");
    await anna.close();
  });
});

/** The element that has focus: its role-ish tag and its text. */
const focusedText = (p: Page) => p.evaluate(() => document.activeElement?.textContent?.trim() ?? "");

describe("confirmations", () => {
  test.each(allSizes)("archive, leave, remove member and delete ask first: Cancel, Esc, focus on Cancel (%s)", async (size) => {
    const anna = await person("akoch", size);
    const team = (await anna.post("/api/v1/channels", { name: `team-${size}`, member_ids: [ids.bwagner] })) as { id: string };
    const sent = (await anna.post(`/api/v1/channels/${team.id}/messages`, { text: `Bitte löschen (${size})` })) as { id: string };
    const p = anna.page;
    await p.goto(`/c/${team.id}`);
    await message(p, `Bitte löschen (${size})`).waitFor();
    const details = p.getByRole("complementary", { name: "Details" });
    await p.getByRole("button", { name: "2 members" }).click();
    await details.waitFor();

    const cases = [
      { button: details.getByRole("button", { name: "Archive channel" }), dialog: `Archive #team-${size}?` },
      { button: details.getByRole("button", { name: "Leave channel" }), dialog: `Leave #team-${size}?` },
      { button: details.getByRole("button", { name: "Remove" }), dialog: `Remove Bernd Wagner from #team-${size}?` },
    ];
    for (const c of cases) {
      // Cancel: nothing happens.
      await c.button.click();
      const d = p.getByRole("dialog", { name: c.dialog });
      await d.waitFor();
      await expect.poll(() => focusedText(p), { message: `${c.dialog} starts on Cancel` }).toBe("Cancel");
      if (c === cases[0]) await expectAccessible(p, "a confirmation");
      await p.keyboard.press("Enter"); // on Cancel: the safe choice
      await d.waitFor({ state: "hidden" });
      // Esc: nothing happens either.
      await c.button.click();
      await d.waitFor();
      await p.keyboard.press("Escape");
      await d.waitFor({ state: "hidden" });
    }
    const ch = (await anna.get(`/api/v1/channels/${team.id}`)) as { archived_at?: string; member_count: number; membership?: unknown };
    expect(ch.archived_at, "not archived").toBeUndefined();
    expect(ch.member_count, "nobody left or was removed").toBe(2);

    // Delete asks too, with a Cancel (the pane goes first: on a phone it covers the messages).
    await p.keyboard.press("Escape");
    await details.waitFor({ state: "detached" });
    const m = message(p, `Bitte löschen (${size})`);
    await m.hover();
    await m.getByRole("toolbar").getByRole("button", { name: "Delete" }).click();
    const del = p.getByRole("dialog", { name: "Delete this message?" });
    await expect.poll(() => focusedText(p)).toBe("Cancel");
    await del.getByRole("button", { name: "Cancel" }).click();
    await del.waitFor({ state: "hidden" });
    expect(((await anna.get(`/api/v1/channels/${team.id}/messages/${sent.id}`)) as { deleted?: boolean }).deleted ?? false).toBe(false);

    // And confirmed, it happens.
    await p.getByRole("button", { name: "2 members" }).click();
    await cases[2]?.button.click();
    await p.getByRole("dialog", { name: `Remove Bernd Wagner from #team-${size}?` }).getByRole("button", { name: "Remove" }).click();
    await expect.poll(async () => ((await anna.get(`/api/v1/channels/${team.id}`)) as { member_count: number }).member_count).toBe(1);
    await anna.close();
  });
});

describe("server errors in the person's language", () => {
  test.each([
    ["de-DE", "desktop", "Neuer Kanal", "Kanal anlegen", "Einen Kanal mit diesem Namen gibt es schon. Wählen Sie einen anderen Namen."],
    ["zh-CN", "laptop", "新建频道", "创建频道", "已存在同名频道。请换一个名称。"],
  ] as const)("a channel name that is taken (%s, %s)", async (locale, size, create, submit, want) => {
    const bernd = await person("bwagner", size, locale);
    const p = bernd.page;
    await p.goto("/");
    await p.getByRole("navigation").getByRole("button", { name: create }).click();
    const dialog = p.getByRole("dialog", { name: create });
    await dialog.locator("input").first().fill("allgemein");
    await dialog.getByRole("button", { name: submit }).click();
    await dialog.getByText(want).waitFor();
    await expectAccessible(p, `an error in ${locale}`);
    await bernd.close();
  });
});

/** Clicks (or taps, on the phone via the drawer) a conversation in the sidebar; in the page: ms from the click until text is on screen. */
async function switchTo(p: Page, size: Size, name: string, text: string): Promise<number> {
  if (size === "phone") await p.getByRole("button", { name: "Menu", exact: true }).tap();
  const link = p.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: new RegExp(name) });
  await link.waitFor();
  return p.evaluate(
    async ({ name, text }) => {
      const a = Array.from(document.querySelectorAll<HTMLAnchorElement>("#sidebar a")).find((x) => x.textContent?.includes(name));
      if (!a) throw new Error(`no link ${name}`);
      const t0 = performance.now();
      a.click();
      // Bounded: about ten seconds of frames.
      for (let i = 0; i < 600; i++) {
        await new Promise((r) => requestAnimationFrame(r));
        if (Array.from(document.querySelectorAll(".chat-main article")).some((m) => m.textContent?.includes(text))) return performance.now() - t0;
      }
      throw new Error(`${text} did not show`);
    },
    { name, text },
  );
}

describe("channel switching", () => {
  test.each(allSizes)("a revisit shows the conversation from memory at once and refreshes behind it (%s)", async (size) => {
    const anna = await person("akoch", size);
    const bernd = await token("bwagner", "bwagner-password-1");
    const fair = ((await anna.post("/api/v1/channels", { name: `messe-${size}`, member_ids: [ids.bwagner] })) as { id: string }).id;
    await anna.post(`/api/v1/channels/${fair}/messages`, { text: "Standplan für die Messe" });
    const p = anna.page;
    await p.goto(`/c/${general}`);
    await message(p, "Guten Morgen zusammen").waitFor();
    const first = await switchTo(p, size, `messe-${size}`, "Standplan für die Messe");
    await switchTo(p, size, "allgemein", "Guten Morgen zusammen");

    // While Anna is elsewhere, Bernd writes; the server's answer for the channel is held back.
    await api("POST", `/api/v1/channels/${fair}/messages`, bernd, { text: "Ich bringe die Prospekte" });
    const held: Route[] = [];
    const messagesOf = (u: URL) => u.pathname === `/api/v1/channels/${fair}/messages`;
    await p.route(messagesOf, (r) => void held.push(r));
    const revisit = await switchTo(p, size, `messe-${size}`, "Standplan für die Messe");
    expect(held.length, "the refresh is on its way, not answered yet").toBeGreaterThan(0);
    expect(await message(p, "Ich bringe die Prospekte").count(), "what shows came from memory").toBe(0);

    // The answer arrives: the new message joins what is on screen.
    for (const r of held) await r.continue();
    await p.unroute(messagesOf);
    await message(p, "Ich bringe die Prospekte").waitFor();
    await message(p, "Standplan für die Messe").waitFor();
    console.log(`channel switch at ${size}: first visit ${first.toFixed(0)} ms, revisit ${revisit.toFixed(0)} ms (click to messages, in the page)`);
    expect(anna.problems).toEqual([]);
    await anna.close();
  });
});
