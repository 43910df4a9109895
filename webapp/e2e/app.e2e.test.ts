// What a person does in the web app, in a real Chromium against a real
// `kontor serve`: sign in (wrong, then right), look around the shell and
// the directory, an admin creates an account that then signs in, the admin
// disables it and the open session ends on its next request, rate limits,
// the directory screen, the audit log, preferences, offline start from the
// service worker, sign out. Each main screen is checked with axe-core and
// photographed.
//
// The server signs in directory accounts against a real slapd (started by
// tools/testenv, seeded by ldapadd), and allows 3 failed sign-ins so the
// rate limit is quick to reach. A second, short-lived server whose
// directory is down shows the "directory unavailable" message.

import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { axe, launch, newUser, screenshot, type Watched } from "./browser";
import { seedDirectory, type Directory } from "./ldap";
import { closedPort, startKontor, type Kontor } from "./server";

let directory: Directory;
let kontor: Kontor;
let browser: Browser;
let admin: Watched;
let anna: Watched;

beforeAll(async () => {
  directory = seedDirectory();
  kontor = await startKontor({ ...directory.env, KONTOR_LOGIN_MAX_FAILURES: "3" });
  browser = await launch();
  admin = await newUser(browser, kontor.url);
  anna = await newUser(browser, kontor.url);
});

afterAll(async () => {
  await browser?.close();
  await kontor?.stop();
});

async function expectAccessible(page: Page, screen: string) {
  const violations = await axe(page);
  expect(violations, `axe on ${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const alert = (page: Page) => page.getByRole("alert");

describe("the web app", () => {
  test("the accessibility check itself finds a serious problem when there is one", async () => {
    const page = await admin.context.newPage();
    await page.goto("/");
    await page.evaluate(() => {
      const b = document.createElement("button"); // a button with no name
      document.body.append(b);
    });
    const violations = await axe(page);
    expect(violations.map((v) => v.id)).toContain("button-name");
    await page.close();
  });

  test("the content security policy blocks inline scripts, and the test notices", async () => {
    const probe = await newUser(browser, kontor.url);
    await probe.page.goto("/");
    await probe.page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.inlineRan = true";
      document.body.append(s);
    });
    await expect.poll(() => probe.problems.some((p) => p.startsWith("CSP:"))).toBe(true);
    expect(await probe.page.evaluate(() => "inlineRan" in window)).toBe(false);
    await probe.context.close();
  });

  test("sign-in page, then a wrong password", async () => {
    const { page } = admin;
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in to Kontor" }).waitFor();
    await expectAccessible(page, "sign-in");
    await screenshot(page, "sign-in");

    await signIn(page, "admin", "not-the-password");
    await alert(page).getByText("Wrong username or password.").waitFor();
    // The password field is cleared and focused for the next try.
    expect(await page.getByLabel("Password", { exact: true }).inputValue()).toBe("");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("password");
  });

  test("when the company directory is down, directory accounts are told so", async () => {
    const down = await startKontor({
      KONTOR_LDAP_URL: `ldap://127.0.0.1:${await closedPort()}`,
      KONTOR_LDAP_USER_BASE_DN: "ou=people,dc=example,dc=com",
      KONTOR_LDAP_SYNC_INTERVAL: "0s",
    });
    try {
      const visitor = await newUser(browser, down.url);
      await visitor.page.goto("/");
      await signIn(visitor.page, "jmueller", "juergen-pass-1");
      await alert(visitor.page).getByText("The company directory cannot be reached right now").waitFor();
      await screenshot(visitor.page, "sign-in-error");
      await visitor.context.close();
    } finally {
      await down.stop();
    }
  });

  test("the admin signs in and sees the shell", async () => {
    const { page } = admin;
    await signIn(page, "admin", kontor.adminPassword);
    await page.getByRole("heading", { name: "Welcome, Administrator" }).waitFor();
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "People" }).waitFor();
    await page.getByRole("button", { name: "Open account menu" }).waitFor();
    await expectAccessible(page, "home");
    await screenshot(page, "home");
  });

  test("the admin creates Anna's account", async () => {
    const { page } = admin;
    await page.getByRole("link", { name: "Admin console" }).first().click();
    await page.getByRole("heading", { name: "Accounts" }).waitFor();
    await page.getByRole("button", { name: "New account" }).click();
    const dialog = page.getByRole("dialog", { name: "New account" });
    await dialog.getByLabel("Username").fill("akoch");
    await dialog.getByLabel("Name", { exact: true }).fill("Anna Koch");
    await dialog.getByLabel("Department").fill("Einkauf");
    await dialog.getByLabel("Title").fill("Leiterin Einkauf");
    await dialog.getByLabel("Password").fill("anna-password-1");
    await expectAccessible(page, "new account dialog");
    await dialog.getByRole("button", { name: "Create account" }).click();
    await dialog.getByText("Anna Koch can sign in now.").waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();

    // A second account with a generated password, shown once.
    await page.getByRole("button", { name: "New account" }).click();
    await dialog.getByLabel("Username").fill("bwagner");
    await dialog.getByLabel("Name", { exact: true }).fill("Bernd Wagner");
    await dialog.getByLabel("Department").fill("Vertrieb");
    await dialog.getByRole("button", { name: "Create account" }).click();
    const secret = await dialog.getByTestId("secret").textContent();
    expect(secret?.length ?? 0).toBeGreaterThanOrEqual(12);
    await dialog.getByRole("button", { name: "Close" }).click();

    const rows = page.getByRole("table").getByRole("row");
    await rows.filter({ hasText: "Anna Koch" }).waitFor();
    await rows.filter({ hasText: "Bernd Wagner" }).waitFor();
    await expectAccessible(page, "admin users");
    await screenshot(page, "admin-users");
  });

  test("Anna signs in and finds a colleague in the directory", async () => {
    const { page } = anna;
    await page.goto("/");
    await signIn(page, "akoch", "anna-password-1");
    await page.getByRole("heading", { name: "Welcome, Anna Koch" }).waitFor();
    // No admin console for members.
    expect(await page.getByRole("link", { name: "Admin console" }).count()).toBe(0);

    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "People" }).click();
    await page.getByRole("heading", { name: "People", level: 1 }).waitFor();
    const people = page.getByRole("list", { name: "Colleagues" });
    await people.getByText("Bernd Wagner").waitFor();
    await expectAccessible(page, "people");
    await screenshot(page, "people");
    await page.getByLabel("Department").fill("Vertrieb");
    await expect.poll(() => people.getByRole("listitem").count()).toBe(1);

    await people.getByRole("link", { name: /Bernd Wagner/ }).click();
    const card = page.getByRole("article", { name: "Bernd Wagner" });
    await card.getByText("Vertrieb").waitFor();
    await expectAccessible(page, "profile card");
    await screenshot(page, "profile-card");
  });

  test("a directory account signs in with the company password; its profile is read-only", async () => {
    const juergen = await newUser(browser, kontor.url);
    const { page } = juergen;
    await page.goto("/");
    await signIn(page, "jmueller", "juergen-pass-1");
    await page.getByRole("heading", { name: "Welcome, Jürgen Müller" }).waitFor();
    await page.getByRole("button", { name: "Open account menu" }).click();
    await page.getByRole("menuitem", { name: "Profile" }).click();
    await page.getByText("Your profile comes from the company directory.").waitFor();
    const name = page.getByLabel("Name", { exact: true });
    expect(await name.inputValue()).toBe("Jürgen Müller");
    expect(await name.getAttribute("readonly")).not.toBeNull();
    expect(await page.getByLabel("Department").inputValue()).toBe("Einkauf");
    // Directory accounts change their password in the directory, not here.
    expect(await page.getByRole("heading", { name: "Change password" }).count()).toBe(0);
    // But the time zone is theirs to choose, and colleagues see their local time.
    await page.getByRole("combobox", { name: "Time zone" }).selectOption("Asia/Shanghai");
    await page.getByRole("form", { name: "Time zone" }).getByRole("button", { name: "Save" }).click();
    await page.getByText("Your time zone was saved.").waitFor();
    await expectAccessible(page, "directory account profile");
    await screenshot(page, "settings-profile-directory");
    const a = anna.page;
    await a.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "People" }).click();
    await a.getByRole("list", { name: "Colleagues" }).getByRole("link", { name: /Jürgen Müller/ }).click();
    const card = a.getByRole("article", { name: "Jürgen Müller" });
    await card.getByText("Local time").waitFor();
    await card.getByText("(Asia/Shanghai)").waitFor();
    expect(juergen.problems).toEqual([]);
    await juergen.context.close();
  });

  test("the admin disables Anna; her open page returns to the sign-in page by itself", async () => {
    const { page } = admin;
    await page.getByRole("table").getByRole("link", { name: /Anna Koch/ }).click();
    await page.getByRole("heading", { name: "Anna Koch", level: 1 }).waitFor();
    await expectAccessible(page, "admin user");
    await screenshot(page, "admin-user");
    await page.getByRole("button", { name: "Disable account" }).click();
    const confirm = page.getByRole("dialog", { name: "Disable Anna Koch?" });
    await confirm.getByRole("button", { name: "Disable account" }).click();
    await page.getByText("The account is disabled and signed out everywhere.").waitFor();
    await page.getByRole("button", { name: "Enable account" }).waitFor();

    // Anna's browser was showing the app: the server closes its realtime
    // connection as the session ends, and the app goes to the sign-in page.
    const p = anna.page;
    await p.getByRole("heading", { name: "Sign in to Kontor" }).waitFor();
    // The server says why the session ended: the account was disabled.
    await p.getByText(/Your account has been disabled, so you were signed out/).waitFor();
    await screenshot(p, "signed-out-disabled");

    // Trying again says why.
    await signIn(p, "akoch", "anna-password-1");
    await alert(p).getByText("This account is disabled.").waitFor();
  });

  test("too many wrong passwords: the sign-in says how long to wait", async () => {
    const p = anna.page;
    for (let i = 0; i < 3; i++) {
      await signIn(p, "bwagner", `wrong-${i}`);
      await alert(p).getByText("Wrong username or password.").waitFor();
    }
    await signIn(p, "bwagner", "wrong-again");
    await alert(p).getByText(/Too many attempts\. Try again in \d+ minutes?\./).waitFor();
    expect(await p.getByRole("button", { name: "Sign in" }).isDisabled()).toBe(true);
    await screenshot(p, "sign-in-rate-limited");
  });

  test("directory status and a sync that brings in everyone", async () => {
    const { page } = admin;
    await page.getByRole("navigation", { name: "Admin console" }).getByRole("link", { name: "Company directory" }).click();
    await page.getByText(/ldap:\/\/127\.0\.0\.1:\d+/).waitFor();
    await page.getByRole("button", { name: "Sync now" }).click();
    const report = page.getByRole("region", { name: "Sync finished" });
    await report.getByText("The sync finished without errors.").waitFor();
    const seen = report.getByRole("definition").first();
    expect(await seen.textContent()).toBe(String(directory.people.length));
    await expectAccessible(page, "directory");
    await screenshot(page, "admin-directory");

    // Everyone in the directory is now in the colleague directory.
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "People" }).click();
    await page.getByRole("list", { name: "Colleagues" }).getByText("李伟").waitFor();
  });

  test("the audit log shows what the admin did, filtered by person and action", async () => {
    const { page } = admin;
    await page.getByRole("navigation", { name: "Workspace" }).getByRole("link", { name: "Admin console" }).click();
    await page.getByRole("navigation", { name: "Admin console" }).getByRole("link", { name: "Audit log" }).click();
    const table = page.getByRole("table", { name: "Audit log" });
    await table.getByText("user.disable").waitFor();
    await table.getByText("user.create").first().waitFor();

    // The people picker: type, arrow down, Enter.
    const picker = page.getByRole("combobox", { name: "Who" });
    await picker.fill("Admin");
    await page.getByRole("option", { name: /Administrator/ }).waitFor();
    await picker.press("ArrowDown");
    await picker.press("Enter");
    await page.getByRole("button", { name: "Stop filtering by Administrator" }).waitFor();

    await page.getByLabel("Action").fill("user.disable");
    await expect.poll(() => table.getByRole("row").count()).toBe(2); // header + one entry
    await expectAccessible(page, "audit log");
    await screenshot(page, "admin-audit");
  });

  test("own profile, sessions and tokens", async () => {
    const { page } = admin;
    await page.getByRole("button", { name: "Open account menu" }).click();
    // The menu takes focus on its first item (the status), and arrow keys move through it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Online");
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Away");
    await page.keyboard.press("End");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Sign out");
    await expectAccessible(page, "profile menu");
    await page.getByRole("menuitem", { name: "Profile" }).click();
    await page.getByRole("heading", { name: "Profile", level: 1 }).waitFor();
    await page.getByLabel("Title").fill("IT-Leitung");
    await page.getByRole("form", { name: "Profile" }).getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    // A picture of one's own; the header shows it at once.
    const onePixel = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
    await page.getByLabel("Choose a picture").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: onePixel });
    await page.getByText("Your picture was saved.").waitFor();
    await expect.poll(() => page.locator("img[src*='/avatar?v=']").count()).toBeGreaterThan(0);
    // Not a picture: a clear refusal, nothing changed.
    await page.getByLabel("Choose a picture").setInputFiles({ name: "evil.png", mimeType: "image/png", buffer: Buffer.from("<html>hi</html>") });
    await page.getByText("This is not a picture the app accepts (JPEG, PNG, GIF or WebP).").first().waitFor();
    await expectAccessible(page, "own profile");
    await screenshot(page, "settings-profile");

    await page.getByRole("link", { name: "Sessions and tokens" }).click();
    await page.getByText("This device").waitFor();
    await page.getByRole("button", { name: "New token" }).click();
    const dialog = page.getByRole("dialog", { name: "New token" });
    await dialog.getByLabel("Name", { exact: true }).fill("backup script");
    await dialog.getByRole("button", { name: "Create token" }).click();
    expect((await dialog.getByTestId("secret").textContent())?.length ?? 0).toBeGreaterThan(20);
    await dialog.getByRole("button", { name: "Close" }).click();
    await page.getByRole("cell", { name: "backup script" }).waitFor();
    await expectAccessible(page, "sessions and tokens");
    await screenshot(page, "settings-security");
  });

  test("German and the dark theme", async () => {
    const { page } = admin;
    await page.getByRole("link", { name: "Preferences" }).click();
    await page.getByLabel("Language", { exact: true }).selectOption("de");
    await page.getByRole("heading", { name: "Optionen", level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("de");
    await page.getByLabel("Dunkel").check();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await expectAccessible(page, "preferences, German, dark");
    await screenshot(page, "settings-preferences-de-dark");

    await page.getByRole("navigation", { name: "Arbeitsbereich" }).getByRole("link", { name: "Personen" }).click();
    await page.getByRole("heading", { name: "Personen", level: 1 }).waitFor();
    await expectAccessible(page, "people, dark");
    await screenshot(page, "people-dark");

    // Both choices survive a reload.
    await page.reload();
    await page.getByRole("heading", { name: "Personen", level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.goto("/settings/preferences");
    await page.getByLabel("Sprache", { exact: true }).selectOption("en");
    await page.getByLabel("Same as the system").check();
    await page.getByRole("heading", { name: "Preferences", level: 1 }).waitFor();
  });

  test("the installed app opens offline from the service worker", async () => {
    const { page, context } = admin;
    await page.goto("/");
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The first load is not controlled yet; a reload is.
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

    await context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole("heading", { name: "Welcome, Administrator" }).waitFor();
      await page.getByText("You are offline. Kontor will reconnect by itself.").waitFor();
      await screenshot(page, "offline");
    } finally {
      await context.setOffline(false);
    }
    // Back online, the next check clears the banner.
    await page.reload();
    await page.getByRole("heading", { name: "Welcome, Administrator" }).waitFor();
    await expect.poll(() => page.getByText("You are offline").count()).toBe(0);
  });

  test("a page that does not exist, and signing out", async () => {
    const { page } = admin;
    await page.goto("/no/such/page");
    await page.getByRole("heading", { name: "Page not found" }).waitFor();

    await page.getByRole("button", { name: "Open account menu" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByText("You have signed out.").waitFor();
    // Really signed out: a reload still shows the sign-in page.
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to Kontor" }).waitFor();
  });

  test("no CSP violations or script errors anywhere", () => {
    expect([...admin.problems, ...anna.problems]).toEqual([]);
  });
});
