// Chat as two colleagues use it, in a real Chromium against a real
// `kontor serve`: Anna creates a private channel and invites Bernd; they
// write, see each other type, read, react, reply in a thread, edit and
// delete; a direct message shows "read"; the server restarts and the
// messages written meanwhile arrive without a reload; a long history
// scrolls back page by page and a link jumps into it; an outsider cannot
// open the private channel. axe-core checks the chat screens.

import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { axe, launch, newUser, screenshot, type Watched } from "./browser";
import { startKontor, type Kontor } from "./server";

let kontor: Kontor;
let browser: Browser;
let anna: Person;
let bernd: Person;
let channelId = "";
let channelUrl = "";

interface Person extends Watched {
  id: string;
  name: string;
  /** A write over the API as this person (seeding). */
  post: (path: string, body: unknown) => Promise<unknown>;
}

async function adminToken(): Promise<string> {
  const r = await fetch(`${kontor.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "admin", password: kontor.adminPassword, bearer: true }),
  });
  const body = (await r.json()) as { token: string };
  return body.token;
}

async function createAccount(token: string, username: string, name: string, department: string): Promise<string> {
  const r = await fetch(`${kontor.url}/api/v1/admin/users`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ username, display_name: name, department, password: `${username}-password-1` }),
  });
  if (r.status !== 201) throw new Error(`create ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { user: { id: string } }).user.id;
}

/** A browser context signed in as username (the session cookie comes from the API). */
async function person(username: string, name: string, id: string): Promise<Person> {
  const w = await newUser(browser, kontor.url);
  w.context.setDefaultTimeout(10_000);
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

const sidebar = (p: Page) => p.getByRole("navigation", { name: "Workspace" });
const messages = (p: Page) => p.getByRole("article");
const message = (p: Page, text: string) => messages(p).filter({ hasText: text });
const composer = (p: Page) => p.locator(".chat-main").getByRole("combobox", { name: /^Message / });

async function send(p: Page, text: string, box: Locator = composer(p)) {
  await box.fill(text);
  await box.press("Enter");
}

/** Shows a message's toolbar (it appears on hover) and clicks one of its buttons. */
async function act(m: Locator, action: string) {
  await m.hover();
  await m.getByRole("toolbar").getByRole("button", { name: action }).click();
}

beforeAll(async () => {
  kontor = await startKontor();
  browser = await launch();
  const token = await adminToken();
  const annaId = await createAccount(token, "akoch", "Anna Koch", "Einkauf");
  const berndId = await createAccount(token, "bwagner", "Bernd Wagner", "Vertrieb");
  await createAccount(token, "cschulz", "Carla Schulz", "Vertrieb");
  anna = await person("akoch", "Anna Koch", annaId);
  bernd = await person("bwagner", "Bernd Wagner", berndId);
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe("chat", () => {
  test("Anna creates a private channel and invites Bernd; it appears in his sidebar at once", async () => {
    await bernd.page.goto("/");
    await bernd.page.getByRole("heading", { name: "Welcome, Bernd Wagner" }).waitFor();

    const p = anna.page;
    await p.goto("/");
    await sidebar(p).getByText("No channels yet.").waitFor();
    await sidebar(p).getByRole("button", { name: "New channel" }).click();
    const dialog = p.getByRole("dialog", { name: "New channel" });
    await dialog.getByLabel("Name").fill("Einkauf Team");
    await dialog.getByText("#einkauf-team").waitFor();
    await dialog.getByLabel("What is it about? (optional)").fill("Angebote und Bestellungen");
    await dialog.getByLabel(/Private/).check();
    const picker = dialog.getByRole("combobox", { name: "Add people" });
    await picker.fill("Bernd");
    await p.getByRole("option", { name: /Bernd Wagner/ }).click();
    await dialog.getByRole("list", { name: "Chosen people" }).getByText("Bernd Wagner").waitFor();
    await expectAccessible(p, "create channel");
    await screenshot(p, "chat-create-channel");
    await dialog.getByRole("button", { name: "Create channel" }).click();

    await p.getByRole("heading", { name: "#einkauf-team", level: 1 }).waitFor();
    channelUrl = new URL(p.url()).pathname;
    channelId = channelUrl.split("/").pop() ?? "";
    expect(channelId).toMatch(/^[0-9a-z]{26}$/);
    await sidebar(bernd.page).getByRole("link", { name: /Einkauf Team/ }).waitFor();
  });

  test("Anna writes; Bernd sees the mention badge live, then the message rendered", async () => {
    await send(anna.page, "Hallo @bwagner, das **Angebot** von Müller ist da: https://example.com/angebot");
    await message(anna.page, "Angebot").waitFor();

    // Bernd is elsewhere: his sidebar counts the mention.
    const link = sidebar(bernd.page).getByRole("link", { name: /Einkauf Team.*1 mention/ });
    await link.waitFor();
    await expectAccessible(bernd.page, "home with unread badge");
    await link.click();
    await bernd.page.getByRole("heading", { name: "#einkauf-team", level: 1 }).waitFor();
    const m = message(bernd.page, "Angebot");
    await m.locator("strong", { hasText: "Angebot" }).waitFor();
    await m.locator(".mention-me", { hasText: "@bwagner" }).waitFor();
    expect(await m.getByRole("link", { name: "https://example.com/angebot" }).getAttribute("rel")).toContain("noopener");
    // Read now: the badge is gone.
    await sidebar(bernd.page).getByRole("link", { name: "Einkauf Team" }).waitFor();
  });

  test("typing shows on the other side, and goes when the message comes", async () => {
    await composer(bernd.page).pressSequentially("Ich schaue es mir", { delay: 20 });
    await anna.page.getByText("Bernd Wagner is typing…").waitFor();
    await composer(bernd.page).press("Enter");
    await message(anna.page, "Ich schaue es mir").waitFor();
    await expect.poll(() => anna.page.getByText("Bernd Wagner is typing…").count()).toBe(0);
  });

  test("read receipt: Anna's last message is seen by Bernd, by name", async () => {
    await send(anna.page, "Danke, bis morgen!");
    const mine = message(anna.page, "Danke, bis morgen!");
    await mine.getByRole("button", { name: "Seen by 1" }).click();
    await mine.getByRole("list", { name: "Seen by" }).getByText("Bernd Wagner").waitFor();
  });

  test("a reaction appears for both", async () => {
    await act(message(bernd.page, "Danke, bis morgen!"), "Add reaction");
    const picker = bernd.page.getByRole("dialog", { name: "Add reaction" });
    await expectAccessible(bernd.page, "emoji picker");
    await picker.getByRole("searchbox").fill("thumbs");
    await picker.getByRole("button", { name: "thumbsup" }).click();
    await message(bernd.page, "Danke, bis morgen!").getByRole("button", { name: /👍 1: you/ }).waitFor();
    await message(anna.page, "Danke, bis morgen!").getByRole("button", { name: /👍 1: Bernd Wagner/ }).waitFor();
  });

  test("a thread reply: the count updates live; Bernd follows the thread", async () => {
    await act(message(anna.page, "Angebot"), "Reply in thread");
    const thread = anna.page.getByRole("complementary", { name: "Thread" });
    await send(anna.page, "Preis ist 10 % unter Vorjahr", thread.getByRole("combobox", { name: "Reply" }));
    await thread.getByRole("list", { name: "Replies" }).getByText("Preis ist 10 % unter Vorjahr").waitFor();
    await expectAccessible(anna.page, "thread");
    await screenshot(anna.page, "chat-thread");

    const summary = message(bernd.page, "Angebot").getByRole("button", { name: /1 reply/ });
    await summary.click();
    const his = bernd.page.getByRole("complementary", { name: "Thread" });
    await his.getByText("Preis ist 10 % unter Vorjahr").waitFor();
    await his.getByRole("button", { name: "Follow" }).click();
    await his.getByRole("button", { name: "Following", pressed: true }).waitFor();
    await his.getByRole("button", { name: "Close thread" }).click();
    await thread.getByRole("button", { name: "Close thread" }).click();
  });

  test("edit shows as edited with its history for the author; delete takes the message away", async () => {
    await send(anna.page, "Treffen um 10 Uhr");
    const m = message(anna.page, "Treffen um 10 Uhr");
    await act(m, "Edit");
    const box = anna.page.getByRole("textbox", { name: "Edit message" });
    await box.fill("Treffen um 11 Uhr");
    await box.press("Enter");
    const edited = message(bernd.page, "Treffen um 11 Uhr");
    await edited.getByText("(edited)").waitFor();
    // Bernd is not the author: no history for him.
    expect(await edited.getByRole("button", { name: /\(edited\)/ }).count()).toBe(0);

    await message(anna.page, "Treffen um 11 Uhr").getByRole("button", { name: /\(edited\)/ }).click();
    const history = anna.page.getByRole("dialog", { name: "Edit history" });
    await history.getByText("Treffen um 10 Uhr").waitFor();
    await expectAccessible(anna.page, "edit history");
    await history.getByRole("button", { name: "Close" }).click();

    await act(message(anna.page, "Treffen um 11 Uhr"), "Delete");
    await anna.page.getByRole("dialog", { name: "Delete this message?" }).getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => message(bernd.page, "Treffen um 11 Uhr").count()).toBe(0);
    await expect.poll(() => message(anna.page, "Treffen um 11 Uhr").count()).toBe(0);
    await expectAccessible(bernd.page, "channel");
    await screenshot(bernd.page, "chat-channel");
  });

  test("a direct message: Bernd gets it, and Anna sees it was read", async () => {
    const p = anna.page;
    await sidebar(p).getByRole("button", { name: "New message" }).click();
    const dialog = p.getByRole("dialog", { name: "New message" });
    await dialog.getByRole("combobox", { name: "To" }).fill("Bernd");
    await p.getByRole("option", { name: /Bernd Wagner/ }).click();
    await expectAccessible(p, "new message dialog");
    await dialog.getByRole("button", { name: "Start conversation" }).click();
    await p.getByRole("heading", { name: "Bernd Wagner", level: 1 }).waitFor();
    await send(p, "Kurze Frage zum Angebot");

    const dm = sidebar(bernd.page).getByRole("link", { name: /Anna Koch.*1 unread/ });
    await dm.click();
    await message(bernd.page, "Kurze Frage zum Angebot").waitFor();
    await message(p, "Kurze Frage zum Angebot").getByText("Read", { exact: true }).waitFor();
    await screenshot(p, "chat-direct-message");
  });

  test("the server restarts: an offline banner, then the messages written meanwhile arrive without a reload", async () => {
    await bernd.page.goto(channelUrl);
    await message(bernd.page, "Angebot").waitFor();
    await anna.page.goto(channelUrl);
    await message(anna.page, "Angebot").waitFor();
    await bernd.page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

    await kontor.halt();
    await bernd.page.getByText("You are offline. Kontor will reconnect by itself.").waitFor();
    await screenshot(bernd.page, "chat-offline");
    // Bernd's network stays down a little longer than the server's outage,
    // so what Anna writes in between is news he must catch up on.
    await bernd.context.setOffline(true);
    await kontor.resume();
    await expect.poll(() => anna.page.getByText("You are offline").count(), { timeout: 20_000 }).toBe(0);
    await send(anna.page, "Nach dem Neustart 1");
    await send(anna.page, "Nach dem Neustart 2");
    await message(anna.page, "Nach dem Neustart 2").waitFor();

    await bernd.context.setOffline(false);
    await message(bernd.page, "Nach dem Neustart 1").waitFor({ timeout: 20_000 });
    await message(bernd.page, "Nach dem Neustart 2").waitFor();
    await expect.poll(() => bernd.page.getByText("You are offline").count()).toBe(0);
    // Once each, and the page was never reloaded.
    expect(await message(bernd.page, "Nach dem Neustart 1").count()).toBe(1);
    expect(await message(bernd.page, "Nach dem Neustart 2").count()).toBe(1);
    expect(await bernd.page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
  });

  test("an answer lost on its way back: the app sends the message again, and it is there once", async () => {
    const p = anna.page;
    await p.goto(channelUrl);
    await message(p, "Angebot").first().waitFor();
    const posts = `**/api/v1/channels/${channelId}/messages`;
    const sent: string[] = [];
    await p.route(posts, async (route) => {
      const req = route.request();
      if (req.method() !== "POST") return route.fallback();
      sent.push((req.postDataJSON() as { client_id: string }).client_id);
      if (sent.length === 1) {
        await route.fetch(); // the server gets the message and posts it...
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return route.abort("connectionreset"); // ...but its answer never arrives
      }
      return route.fallback();
    });
    await send(p, "Einmal, nicht doppelt");
    const sending = p.getByRole("status").filter({ hasText: "Sending… the server has not answered yet" });
    await sending.waitFor();
    await message(p, "Einmal, nicht doppelt").waitFor();
    await expect.poll(() => sent.length).toBe(2);
    await expect.poll(() => sending.count()).toBe(0);
    expect(sent[1]).toBe(sent[0]);
    await p.unroute(posts);
    // From the server's history: once.
    await p.reload();
    await message(p, "Einmal, nicht doppelt").waitFor();
    expect(await message(p, "Einmal, nicht doppelt").count()).toBe(1);
    await message(bernd.page, "Einmal, nicht doppelt").waitFor();
    expect(await message(bernd.page, "Einmal, nicht doppelt").count()).toBe(1);
  });

  test("a message that fails while its author has moved on waits in its own box, not in the other one", async () => {
    const p = anna.page;
    await p.goto(channelUrl);
    await message(p, "Angebot").first().waitFor();
    const posts = `**/api/v1/channels/${channelId}/messages`;
    await p.route(posts, async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return route.fulfill({
        status: 403,
        contentType: "application/problem+json",
        body: JSON.stringify({ title: "Forbidden", status: 403, detail: "only channel admins post here", code: "announcement_only" }),
      });
    });
    await send(p, "Kommt zurück");
    await sidebar(p).getByRole("link", { name: /Bernd Wagner/ }).click();
    await p.getByRole("heading", { name: "Bernd Wagner", level: 1 }).waitFor();
    await p.waitForTimeout(2000); // the answer comes while Anna is in the other conversation
    expect(await composer(p).inputValue()).toBe("");
    await p.unroute(posts);
    await sidebar(p).getByRole("link", { name: /Einkauf Team/ }).click();
    await expect.poll(() => composer(p).inputValue()).toBe("Kommt zurück");
    expect(await message(p, "Kommt zurück").count()).toBe(0);
    await composer(p).fill("");
  });

  test("a file added in one conversation waits there while its author looks at another", async () => {
    const p = anna.page;
    await p.goto(channelUrl);
    await message(p, "Angebot").first().waitFor();
    await p.locator('.chat-main input[type="file"]').setInputFiles({ name: "Protokoll.txt", mimeType: "text/plain", buffer: Buffer.from("Protokoll der Sitzung\n") });
    const uploads = p.getByRole("list", { name: "Files for this message" });
    await uploads.getByText("Ready").waitFor();
    await sidebar(p).getByRole("link", { name: /Bernd Wagner/ }).click();
    await p.getByRole("heading", { name: "Bernd Wagner", level: 1 }).waitFor();
    expect(await uploads.count()).toBe(0);
    await sidebar(p).getByRole("link", { name: /Einkauf Team/ }).click();
    await uploads.getByText("Protokoll.txt").waitFor();
    await send(p, "Das Protokoll");
    await message(p, "Das Protokoll").getByRole("link", { name: "Protokoll.txt", exact: true }).waitFor();
    expect(await uploads.count()).toBe(0);
  });

  test("a long history: only what is on screen is in the page, older pages load on scroll, a link jumps into the past", async () => {
    const c = (await anna.post("/api/v1/channels", { name: "archiv" })) as { id: string };
    const ids: string[] = [];
    for (let i = 1; i <= 240; i++) {
      const m = (await anna.post(`/api/v1/channels/${c.id}/messages`, { text: `Eintrag ${i}` })) as { id: string };
      ids.push(m.id);
    }
    const p = anna.page;
    await p.goto(`/c/${c.id}`);
    await message(p, "Eintrag 240").waitFor();
    // Virtualised: far fewer than the 50 loaded are in the page.
    expect(await messages(p).count()).toBeLessThan(50);

    const list = p.getByRole("region", { name: /Messages in #archiv/ }).or(p.locator(".message-list"));
    for (let i = 0; i < 60 && (await message(p, "Eintrag 1").filter({ hasText: /Eintrag 1$/ }).count()) === 0; i++) {
      await list.first().evaluate((el) => el.scrollTo({ top: 0 }));
      await p.waitForTimeout(150);
    }
    await p.getByText("This is the very beginning of the conversation.").waitFor();
    expect(await messages(p).count()).toBeLessThan(60);

    // A link to message 17 opens the channel there, highlighted.
    await p.goto(`/c/${c.id}?m=${ids[16]}`);
    const target = message(p, "Eintrag 17").filter({ hasText: /Eintrag 17$/ });
    await target.waitFor();
    expect(await target.getAttribute("class")).toContain("msg-highlight");
    await p.getByRole("button", { name: "Jump to the newest messages" }).click();
    await message(p, "Eintrag 240").waitFor();
  });

  test("someone outside a private channel cannot open its address", async () => {
    const carla = await person("cschulz", "Carla Schulz", "");
    await carla.page.goto(channelUrl);
    await carla.page.getByRole("heading", { name: "Channel not found" }).waitFor();
    expect(await carla.page.getByText("Angebot").count()).toBe(0);
    expect(await sidebar(carla.page).getByRole("link", { name: /Einkauf Team/ }).count()).toBe(0);
    await carla.context.close();
  });

  test("the channel browser and the channel details pass the accessibility check", async () => {
    const p = bernd.page;
    await sidebar(p).getByRole("button", { name: "Browse channels" }).click();
    const dialog = p.getByRole("dialog", { name: "Channels" });
    await dialog.getByRole("list", { name: "Public channels" }).getByRole("button", { name: "Join #archiv" }).waitFor();
    await expectAccessible(p, "channel browser");
    await screenshot(p, "chat-browse");
    await dialog.getByRole("button", { name: "Join #archiv" }).click();
    await p.getByRole("heading", { name: "#archiv", level: 1 }).waitFor();

    await sidebar(p).getByRole("link", { name: /Einkauf Team/ }).click();
    await p.getByRole("button", { name: "2 members" }).click();
    const details = p.getByRole("complementary", { name: "Details" });
    await details.getByRole("list", { name: "Members" }).getByText("Anna Koch").waitFor();
    await details.getByLabel("Nothing").check();
    await expectAccessible(p, "channel details");
    await screenshot(p, "chat-details");
  });

  test("own status: do not disturb shows on my avatar for others", async () => {
    const p = anna.page;
    await p.getByRole("button", { name: "Open account menu" }).click();
    await p.getByRole("menuitemradio", { name: "Do not disturb" }).click();
    await bernd.page.goto(channelUrl);
    await bernd.page.getByRole("button", { name: "2 members" }).click();
    await bernd.page.getByRole("complementary", { name: "Details" }).getByText("(Do not disturb)").waitFor();
  });

  test("announcement channels are read-only for members, archived ones for everyone; a self-destructing message says when it goes", async () => {
    const news = (await anna.post("/api/v1/channels", { name: "news", announcement: true, member_ids: [bernd.id] })) as { id: string };
    await anna.post(`/api/v1/channels/${news.id}/messages`, { text: "Betriebsversammlung am Freitag" });
    await bernd.page.goto(`/c/${news.id}`);
    await message(bernd.page, "Betriebsversammlung").waitFor();
    await bernd.page.getByText("This is an announcement channel: only its admins post here.").waitFor();
    expect(await composer(bernd.page).count()).toBe(0);

    // Anna (its admin) may post, and archives it.
    const p = anna.page;
    await p.goto(`/c/${news.id}`);
    await p.getByLabel("Self-destruct").selectOption({ label: "1 minute" });
    await send(p, "Nur kurz sichtbar");
    await message(p, "Nur kurz sichtbar").getByText(/Disappears/).waitFor();
    await p.getByRole("button", { name: "2 members" }).click();
    await p.getByRole("complementary", { name: "Details" }).getByRole("button", { name: "Archive channel" }).click();
    await p.getByRole("dialog", { name: "Archive #news?" }).getByRole("button", { name: "Archive channel" }).click();
    await p.getByText("This channel is archived. You can read it, but nobody can write in it.").waitFor();
    await bernd.page.getByText("This channel is archived. You can read it, but nobody can write in it.").waitFor();
    await message(bernd.page, "Nur kurz sichtbar").waitFor();
  });

  test("a colleague's profile card starts a direct message", async () => {
    const p = bernd.page;
    await p.goto("/people/akoch");
    await p.getByRole("button", { name: "Message", exact: true }).click();
    await p.waitForURL(/\/c\/\w+$/);
    await p.locator(".chat-head").getByRole("heading", { name: "Anna Koch", level: 1 }).waitFor();
    await message(p, "Kurze Frage zum Angebot").waitFor();
  });

  test("files: a picture by drag and drop with a thumbnail and a lightbox, a document by the button, a cancelled upload", async () => {
    await bernd.page.goto(channelUrl);
    const p = anna.page;
    await p.goto(channelUrl);
    await message(p, "Angebot").waitFor();
    // Drag and drop a picture onto the channel.
    const picture = await p.evaluateHandle(async () => {
      const bytes = await (await fetch("/icons/icon-512.png")).blob();
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "Betriebsausflug.png", { type: "image/png" }));
      return dt;
    });
    await p.locator(".chat-main").dispatchEvent("dragover", { dataTransfer: picture });
    await p.locator(".chat-main").dispatchEvent("drop", { dataTransfer: picture });
    const uploads = p.getByRole("list", { name: "Files for this message" });
    await uploads.getByText("Ready").waitFor();
    // And a document with the button.
    await p.locator('.chat-main input[type="file"]').setInputFiles({ name: "Preisliste 2027.csv", mimeType: "text/csv", buffer: Buffer.from("Artikel;Preis\nSchraube;0,10\n") });
    await expect.poll(() => uploads.getByText("Ready").count()).toBe(2);
    await send(p, "Fotos und Preise");

    // Bernd sees the thumbnail once the preview is made, and opens it large.
    const his = message(bernd.page, "Fotos und Preise");
    await his.getByRole("button", { name: "Open Betriebsausflug.png" }).click();
    const lightbox = bernd.page.getByRole("dialog", { name: "Betriebsausflug.png" });
    await lightbox.getByRole("img", { name: "Betriebsausflug.png" }).waitFor();
    expect(await lightbox.getByRole("img").evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await expectAccessible(bernd.page, "lightbox");
    await lightbox.getByRole("button", { name: "Close" }).click();
    const card = his.getByRole("link", { name: "Preisliste 2027.csv", exact: true });
    expect(await card.getAttribute("href")).toMatch(/\/api\/v1\/files\/\w+\/content\?download=true$/);
    await his.getByText(/CSV · \d+ byte/).waitFor();
    await screenshot(bernd.page, "chat-files");

    // An upload that is cancelled leaves nothing to send.
    await p.route("**/api/v1/files?**", () => undefined); // never answers
    await p.locator('.chat-main input[type="file"]').setInputFiles({ name: "gross.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(1024) });
    await uploads.getByRole("progressbar", { name: "Uploading gross.bin" }).waitFor();
    await uploads.getByRole("button", { name: "Cancel uploading gross.bin" }).click();
    await expect.poll(() => p.getByRole("list", { name: "Files for this message" }).count()).toBe(0);
    await p.unroute("**/api/v1/files?**");
  });

  test("a voice message: recorded with the microphone, played by the other", async () => {
    const p = anna.page;
    await p.getByRole("button", { name: "Record a voice message" }).click();
    await p.getByText(/Recording 0:0[1-9]/).waitFor();
    await p.getByRole("button", { name: "Stop" }).click();
    await p.getByRole("list", { name: "Files for this message" }).getByText("Ready").waitFor();
    await composer(p).press("Enter");
    const voice = bernd.page.locator("audio[aria-label^='Voice message, 0:0']").last();
    await voice.waitFor();
    expect(await voice.getAttribute("src")).toMatch(/\/api\/v1\/files\/\w+\/content$/);
  });

  test("search: the box finds the message with the word highlighted, a chip narrows it, a click jumps to it", async () => {
    const p = bernd.page;
    const box = p.getByRole("search", { name: "Search" }).getByRole("searchbox", { name: "Search" });
    await box.fill("Angebote");
    await box.press("Enter");
    await p.getByRole("heading", { name: "Search", level: 1 }).waitFor();
    const results = p.getByRole("list", { name: "Results" });
    const hit = results.getByRole("button", { name: /Angebot von Müller/ });
    await hit.locator("mark", { hasText: "Angebot" }).first().waitFor();
    await expectAccessible(p, "search");
    await screenshot(p, "search");

    // Files only: the price list, found by its name.
    await p.getByRole("group", { name: "Filters" }).getByRole("button", { name: "Files" }).click();
    await expect.poll(() => new URL(p.url()).searchParams.get("q")).toBe("Angebote has:file");
    await box.fill("Preisliste");
    await box.press("Enter");
    await results.getByText("Preisliste 2027.csv").first().waitFor();

    await box.fill("Angebot");
    await box.press("Enter");
    await results.getByRole("button", { name: /Angebot von Müller/ }).click();
    await p.getByRole("heading", { name: "#einkauf-team", level: 1 }).waitFor();
    const target = message(p, "das Angebot von Müller");
    await expect.poll(() => target.getAttribute("class")).toContain("msg-highlight");
  });

  test("desktop notifications for a direct message and a mention, not for chatter, none while do not disturb; the app badge counts", async () => {
    // Bernd's second device, in the background: the browser's notification
    // and badge calls are recorded instead of shown (headless Chromium has
    // no desktop to show them on).
    const laptop = await person("bwagner", "Bernd Wagner", bernd.id);
    await laptop.context.addInitScript(() => {
      const w = window as unknown as { shown: { title: string; body: string; url: string }[]; badge: number };
      w.shown = [];
      w.badge = -1;
      Object.defineProperty(Document.prototype, "visibilityState", { get: () => "hidden", configurable: true });
      class Recorded {
        static permission = "granted";
        static requestPermission = () => Promise.resolve("granted");
        constructor(title: string, opts?: NotificationOptions) {
          w.shown.push({ title, body: opts?.body ?? "", url: (opts?.data as { url?: string } | undefined)?.url ?? "" });
        }
      }
      Object.defineProperty(window, "Notification", { value: Recorded, configurable: true });
      ServiceWorkerRegistration.prototype.showNotification = function (title: string, opts?: NotificationOptions) {
        w.shown.push({ title, body: opts?.body ?? "", url: (opts?.data as { url?: string } | undefined)?.url ?? "" });
        return Promise.resolve();
      };
      Object.defineProperty(navigator, "setAppBadge", { value: (n: number) => ((w.badge = n), Promise.resolve()), configurable: true });
      Object.defineProperty(navigator, "clearAppBadge", { value: () => ((w.badge = 0), Promise.resolve()), configurable: true });
    });
    const p = laptop.page;
    await bernd.page.goto("/"); // his other tab looks at nothing that would mark messages read
    await p.goto("/");
    await sidebar(p).getByRole("link", { name: /Einkauf Team/ }).waitFor();
    const shown = async () => (await p.evaluate(() => (window as unknown as { shown: { title: string; body: string; url: string }[] }).shown)).map((n) => n.body);
    const lastShown = () => p.evaluate(() => (window as unknown as { shown: { title: string; body: string; url: string }[] }).shown.at(-1));
    const badge = () => p.evaluate(() => (window as unknown as { badge: number }).badge);

    // #einkauf-team is set to "Nothing" (earlier, in its details): no mention reaches him from there.
    await anna.post(`/api/v1/channels/${channelId}/messages`, { text: "Nur zur Info, kein Handlungsbedarf" });
    await anna.post(`/api/v1/channels/${channelId}/messages`, { text: "@bwagner bitte **freigeben**" });
    const dm = (await anna.post("/api/v1/channels/direct", { user_ids: [bernd.id] })) as { id: string };
    await anna.post(`/api/v1/channels/${dm.id}/messages`, { text: "Hast du kurz Zeit?" });
    await expect.poll(shown, { timeout: 10_000 }).toEqual(["Hast du kurz Zeit?"]);
    expect((await lastShown())?.title).toBe("Anna Koch");
    await expect.poll(badge, { timeout: 10_000 }).toBe(1);

    // Back to "mentions and direct messages": a mention notifies, with a link to it.
    await sidebar(p).getByRole("link", { name: /Einkauf Team/ }).click();
    await p.getByRole("button", { name: "2 members" }).click();
    await p.getByRole("complementary", { name: "Details" }).getByLabel("Mentions and direct messages").check();
    await anna.post(`/api/v1/channels/${channelId}/messages`, { text: "@bwagner noch eine Freigabe" });
    await expect.poll(shown, { timeout: 10_000 }).toEqual(["Hast du kurz Zeit?", "@bwagner noch eine Freigabe"]);
    const mention = await lastShown();
    expect(mention?.title).toBe("Anna Koch · #Einkauf Team");
    expect(mention?.url).toMatch(new RegExp(`^/c/${channelId}\\?m=\\w+$`));
    // The badge: two unread mentions and one direct message.
    await expect.poll(badge, { timeout: 10_000 }).toBe(3);

    // Do not disturb, chosen in his other tab (the server keeps it for all his devices): silence.
    await bernd.page.getByRole("button", { name: "Open account menu" }).click();
    await bernd.page.getByRole("menuitemradio", { name: "Do not disturb" }).click();
    await p.getByRole("button", { name: "Open account menu" }).click();
    await p.getByRole("menuitemradio", { name: "Do not disturb", checked: true }).waitFor();
    await p.keyboard.press("Escape");
    await anna.post(`/api/v1/channels/${dm.id}/messages`, { text: "Noch eine Frage" });
    await sidebar(p).getByRole("link", { name: /Anna Koch.*2 unread/ }).waitFor();
    expect(await shown()).not.toContain("Noch eine Frage");

    await bernd.page.getByRole("button", { name: "Open account menu" }).click();
    await bernd.page.getByRole("menuitemradio", { name: "Online" }).click();
    expect(laptop.problems).toEqual([]);
    await laptop.context.close();
  });

  test("the channel in the dark theme and in German passes the accessibility check", async () => {
    const p = anna.page;
    await p.emulateMedia({ colorScheme: "dark" });
    await p.evaluate(() => localStorage.setItem("kontor.locale", "de"));
    await p.goto(channelUrl);
    await p.getByRole("heading", { name: "#einkauf-team", level: 1 }).waitFor();
    await p.getByRole("combobox", { name: "Nachricht an #einkauf-team" }).waitFor();
    await message(p, "noch eine Freigabe").waitFor();
    expect(await p.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await expectAccessible(p, "channel, dark, German");
    await screenshot(p, "chat-channel-dark-de");
    await p.evaluate(() => localStorage.removeItem("kontor.locale"));
    await p.emulateMedia({ colorScheme: "light" });
  });

  test("what Anna left unsent is gone when Bernd signs in on her computer", async () => {
    const p = anna.page;
    await p.goto(channelUrl);
    await message(p, "Angebot").first().waitFor();
    await composer(p).fill("Entwurf nur für Anna");
    await p.locator('.chat-main input[type="file"]').setInputFiles({ name: "anna-privat.txt", mimeType: "text/plain", buffer: Buffer.from("privat\n") });
    const uploads = p.getByRole("list", { name: "Files for this message" });
    await uploads.getByText("Ready").waitFor();

    await p.getByRole("button", { name: "Open account menu" }).click();
    await p.getByRole("menuitem", { name: "Sign out" }).click();
    await p.getByText("You have signed out.").waitFor();
    await p.getByLabel("Username").fill("bwagner");
    await p.getByLabel("Password", { exact: true }).fill("bwagner-password-1");
    await p.getByRole("button", { name: "Sign in" }).click();
    // Into the channel without reloading the page, where Anna's draft was.
    await sidebar(p).getByRole("link", { name: /Einkauf Team/ }).click();
    await message(p, "Angebot").first().waitFor();
    expect(await composer(p).inputValue()).toBe("");
    expect(await uploads.count()).toBe(0);
  });

  test("no CSP violations or script errors", () => {
    expect([...anna.problems, ...bernd.problems]).toEqual([]);
  });
});
