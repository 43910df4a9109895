// The compliance officer's desk (issue 11), in a real Chromium at 1024×768
// against a real `kontor serve`: the console is hers alone (a colleague
// finds no link and a page that says whom it is for); she puts a matter on
// hold, finds a custodian's messages about a subject in channels she is not
// a member of, opens the conversation read-only, sees her own searches in
// the audit trail, and compares the journal key's fingerprint with the one
// the server's command line prints. axe-core checks every section.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { axe, launch, newUser, screenshot, type Watched } from "./browser";
import { kontorBinary, startKontor, type Kontor } from "./server";

let kontor: Kontor;
let browser: Browser;
const ids: Record<string, string> = {};
let sales = "";
let officer: Watched;

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
  if (!r.ok) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/** Runs `kontor ARGS` on the test server's data, as an operator at the server would. */
function cli(args: string[], input = ""): string {
  const r = spawnSync(kontorBinary(), args, {
    input,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: kontor.dataDir, KONTOR_DATA_DIR: kontor.dataDir, KONTOR_LOG_FORMAT: "text" },
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`kontor ${args.join(" ")}: ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A browser context at 1024×768, signed in as username (the session cookie comes from the API). */
async function signedIn(username: string): Promise<Watched> {
  const w = await newUser(browser, kontor.url, "en-US", "laptop");
  // This machine runs many builds at once: give each step room (the other e2e files use 10 s).
  w.context.setDefaultTimeout(30_000);
  const r = await w.context.request.post("/api/v1/auth/login", { data: { username, password: `${username}-password-1` } });
  if (!r.ok()) throw new Error(`login ${username}: ${r.status()}`);
  return w;
}

async function expectAccessible(page: Page, screen: string) {
  const violations = await axe(page);
  expect(violations, `axe on ${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

const overflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
const consoleNav = (p: Page) => p.getByRole("navigation", { name: "Compliance" });

/** The fingerprint the console shows, computed here from a signed-note verifier key: SHA-256 of its raw key. */
function fingerprintOf(vkey: string): string {
  const raw = Buffer.from(vkey.split("+").slice(2).join("+"), "base64");
  const hex = createHash("sha256").update(raw).digest("hex").toUpperCase();
  return hex.match(/../g)?.join(":") ?? "";
}

beforeAll(async () => {
  kontor = await startKontor();
  browser = await launch();
  const admin = await token("admin", kontor.adminPassword);
  for (const [username, name] of [
    ["akoch", "Anna Koch"],
    ["bwagner", "Bernd Wagner"],
  ] as const) {
    const out = (await api("POST", "/api/v1/admin/users", admin, { username, display_name: name, password: `${username}-password-1` })) as { user: { id: string } };
    ids[username] = out.user.id;
  }
  // The first compliance officer is made at the server: an admin cannot grant the role.
  const made = cli(["user", "create", "cmeyer", "--display-name", "Clara Meyer", "--role", "compliance", "--password-stdin"], "cmeyer-password-1\n");
  ids.cmeyer = /\(([0-9a-z]+)\)/.exec(made)?.[1] ?? "";

  // Anna and Bernd talk about a discount in a private channel Clara is not in.
  const anna = await token("akoch", "akoch-password-1");
  sales = ((await api("POST", "/api/v1/channels", anna, { name: "vertrieb", private: true, member_ids: [ids.bwagner] })) as { id: string }).id;
  const offer = (await api("POST", `/api/v1/channels/${sales}/messages`, anna, { text: "Rabatt für Müller: 40 Prozent" })) as { id: string };
  await api("PATCH", `/api/v1/channels/${sales}/messages/${offer.id}`, anna, { text: "Rabatt für Müller: 45 Prozent" });
  await api("POST", `/api/v1/channels/${sales}/messages`, anna, { text: "Lieferung kommt Dienstag" });
  const secret = (await api("POST", `/api/v1/channels/${sales}/messages`, anna, { text: "Rabatt nur mündlich zusagen" })) as { id: string };
  await api("DELETE", `/api/v1/channels/${sales}/messages/${secret.id}`, anna);
  // Bernd talks about the discount too; the search for Anna's messages leaves him out.
  const bernd = await token("bwagner", "bwagner-password-1");
  await api("POST", `/api/v1/channels/${sales}/messages`, bernd, { text: "Rabatt? Bitte nicht mehr als 30" });

  officer = await signedIn("cmeyer");
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

describe("the compliance console", { timeout: 180_000 }, () => {
  test("is not for a colleague: no link, and the page says whom it is for", async () => {
    const bernd = await signedIn("bwagner");
    const p = bernd.page;
    await p.goto("/");
    await p.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "People" }).waitFor();
    expect(await p.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Compliance" }).count()).toBe(0);
    await p.goto("/compliance/holds");
    await p.getByRole("heading", { name: "Not for your role" }).waitFor();
    await p.getByText("This page is for compliance officers.").waitFor();
    await expectAccessible(p, "not for your role");
    expect(bernd.problems).toEqual([]);
    await bernd.context.close();
  });

  test("a 6-year retention policy, and a dry run that lists nothing yet", async () => {
    const p = officer.page;
    await p.goto("/");
    await p.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Compliance" }).click();
    await p.getByRole("heading", { name: "E-discovery", level: 2 }).waitFor();
    await consoleNav(p).getByRole("link", { name: "Retention" }).click();
    await p.getByText("No retention policy: the record keeps everything.").waitFor();
    await p.getByLabel("Keep messages").fill("6");
    await p.getByLabel("Keep files").fill("6");
    await p.getByRole("button", { name: "Save policy" }).click();
    await p.getByText("The policy for Everything (global default) is saved.").waitFor();
    const row = p.getByRole("table", { name: "Policies" }).getByRole("row").filter({ hasText: "Everything (global default)" });
    await expect.poll(() => row.getByText("6 years (2192 days)").count()).toBe(2);

    await p.getByRole("button", { name: "Preview what would go" }).click();
    await p.getByText(/0 messages and 0 files would go/).waitFor();
    expect(await overflow(p)).toBe(0);
    await expectAccessible(p, "retention");
    await screenshot(p, "compliance-retention");

    const policies = (await (await officer.context.request.get("/api/v1/compliance/retention/policies")).json()) as { items: { scope: string; message_days: number; file_days: number }[] };
    expect(policies.items).toEqual([expect.objectContaining({ scope: "global", message_days: 2192, file_days: 2192 })]);
  });

  test("a hold on one matter: Anna's messages, from the beginning, open-ended", async () => {
    const p = officer.page;
    await consoleNav(p).getByRole("link", { name: "Legal holds" }).click();
    await p.getByRole("heading", { name: "Legal holds", level: 2 }).waitFor();
    await p.getByText("No legal holds yet.").waitFor();

    await p.getByLabel("Matter").fill("Müller ./. Kontor GmbH");
    const picker = p.getByRole("combobox", { name: "Custodians" });
    await picker.fill("Anna");
    await p.getByRole("option", { name: /Anna Koch/ }).waitFor();
    await picker.press("ArrowDown");
    await picker.press("Enter");
    await p.getByRole("button", { name: "Remove Anna Koch" }).waitFor();
    await p.getByRole("button", { name: "Put on hold" }).click();
    await p.getByText("The hold for Müller ./. Kontor GmbH is in place.").waitFor();

    const row = p.getByRole("table", { name: "Holds" }).getByRole("row").filter({ hasText: "Müller ./. Kontor GmbH" });
    await row.getByText("Active").waitFor();
    await row.getByText("Anna Koch").waitFor();
    await row.getByText("All conversations").waitFor();
    // Anna's three messages (the deleted one too; her channel's creation is no message): what the hold covers.
    await row.getByText("3 messages and files").waitFor();
    expect(await overflow(p)).toBe(0);
    await expectAccessible(p, "legal holds");
    await screenshot(p, "compliance-holds");

    const holds = (await (await officer.context.request.get("/api/v1/compliance/holds")).json()) as { items: { matter: string; custodian_ids: string[]; released_at?: string }[] };
    expect(holds.items).toEqual([expect.objectContaining({ matter: "Müller ./. Kontor GmbH", custodian_ids: [ids.akoch] })]);
  });

  test("finds Anna's messages about the discount in a channel Clara is not in, and opens the conversation", async () => {
    const p = officer.page;
    await consoleNav(p).getByRole("link", { name: "E-discovery" }).click();
    const form = p.getByRole("search", { name: "E-discovery" });
    await form.getByLabel("Search", { exact: true }).fill("Rabatt");
    const picker = p.getByRole("combobox", { name: "Custodians" });
    await picker.fill("Anna");
    await p.getByRole("option", { name: /Anna Koch/ }).waitFor();
    await picker.press("ArrowDown");
    await picker.press("Enter");
    await p.getByRole("button", { name: "Remove Anna Koch" }).waitFor();
    // The index follows the journal: search again until it has read Anna's messages
    // (both versions of the edited one and the deleted one).
    const hits = p.getByRole("list", { name: /hits$/ }).getByRole("listitem");
    await expect
      .poll(async () => {
        await p.getByRole("button", { name: "Search the record" }).click();
        await p.getByRole("heading", { name: /hits?$/ }).waitFor();
        return hits.count();
      }, { timeout: 90_000 })
      .toBe(3);
    await p.getByRole("heading", { name: "3 hits" }).waitFor();
    for (const text of ["Rabatt für Müller: 40 Prozent", "Rabatt für Müller: 45 Prozent", "Rabatt nur mündlich zusagen"]) {
      await hits.filter({ hasText: text }).getByText("#vertrieb").waitFor();
    }
    await hits.filter({ hasText: "Rabatt nur mündlich zusagen" }).getByText("Deleted").waitFor();
    await hits.filter({ hasText: "40 Prozent" }).getByText("Version 1 of 2").waitFor();
    expect(await p.getByText("Bitte nicht mehr als 30").count()).toBe(0);
    expect(await overflow(p)).toBe(0);
    await expectAccessible(p, "e-discovery");
    await screenshot(p, "compliance-search");

    // Save it for the matter, then open the conversation around the deleted message.
    await p.getByRole("region", { name: "Saved searches" }).getByLabel("Matter").fill("Müller ./. Kontor GmbH");
    await p.getByLabel("Name").fill("Rabatte Anna");
    await p.getByRole("button", { name: "Save this search" }).click();
    await p.getByRole("button", { name: "Run Rabatte Anna" }).waitFor();

    await hits.filter({ hasText: "Rabatt nur mündlich zusagen" }).getByRole("link", { name: "Open conversation" }).click();
    await p.getByRole("heading", { name: "Conversation in #vertrieb" }).waitFor();
    const conv = p.getByRole("list", { name: "#vertrieb" });
    await conv.getByText("Lieferung kommt Dienstag").waitFor();
    await conv.locator("[aria-current=true]").getByText("Rabatt nur mündlich zusagen").waitFor();
    await conv.getByText("1 earlier version").click();
    await conv.getByText("Rabatt für Müller: 40 Prozent").waitFor();
    // Read-only: no composer anywhere.
    expect(await p.getByRole("combobox", { name: /^Message / }).count()).toBe(0);
    expect(await overflow(p)).toBe(0);
    await expectAccessible(p, "conversation on the record");
    await screenshot(p, "compliance-conversation");
  });

  test("the signing key's fingerprint is the one the server's command line prints", async () => {
    const p = officer.page;
    await consoleNav(p).getByRole("link", { name: "Signing key" }).click();
    await p.getByRole("heading", { name: "Signing key", level: 2 }).waitFor();
    const vkey = cli(["compliance", "key"]).trim();
    await p.getByText(fingerprintOf(vkey)).waitFor();
    await p.getByText(vkey).waitFor();
    expect(await overflow(p)).toBe(0);
    await expectAccessible(p, "signing key");
    await screenshot(p, "compliance-key");
  });

  test("the audit trail shows her own searches and holds, filtered by who, and exports what it shows", async () => {
    const p = officer.page;
    await consoleNav(p).getByRole("link", { name: "Audit trail" }).click();
    const table = p.getByRole("table", { name: "Audit trail" });
    await table.getByText("hold.create").waitFor();
    await table.getByText("ediscovery.search").first().waitFor();
    await table.getByText("ediscovery.open").first().waitFor();

    const picker = p.getByRole("combobox", { name: "Who" });
    await picker.fill("Clara");
    await p.getByRole("option", { name: /Clara Meyer/ }).waitFor();
    await picker.press("ArrowDown");
    await picker.press("Enter");
    await p.getByRole("button", { name: "Stop filtering by Clara Meyer" }).waitFor();
    await p.getByLabel("What").fill("ediscovery.search");
    await table.getByText("ediscovery.search").first().waitFor();
    await expect.poll(() => table.getByText("hold.create").count()).toBe(0);
    await p.getByLabel("What").fill("hold.create");
    await expect.poll(() => table.getByRole("row").count()).toBe(2); // header + her hold

    // The export's address follows the filters once they settle (typing is debounced).
    const exportLink = p.getByRole("link", { name: "Export as CSV" });
    await expect.poll(() => exportLink.getAttribute("href")).toContain("action=hold.create");
    const href = await exportLink.getAttribute("href");
    const url = new URL(href ?? "", kontor.url);
    expect(url.pathname).toBe("/api/v1/compliance/audit-trail/export");
    expect(url.searchParams.get("actor_id")).toBe(ids.cmeyer);
    expect(url.searchParams.get("action")).toBe("hold.create");
    const csv = await (await officer.context.request.get(href ?? "")).text();
    expect(csv.split("\n").filter((l) => l.includes("hold.create")).length).toBe(1);

    expect(await overflow(p)).toBe(0);
    await expectAccessible(p, "audit trail");
    await screenshot(p, "compliance-audit");
    expect(officer.problems).toEqual([]);
  });
});
