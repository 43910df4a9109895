// How the tests start the system's Chromium (Debian's package): never a
// downloaded browser. Shared by the end-to-end tests and the icon script.
import { existsSync } from "node:fs";

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
  // A fake microphone (a beep) for voice messages, allowed without a prompt.
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
];

export function chromiumPath() {
  const candidates = [process.env.KONTOR_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error("Chromium not found: install Debian's chromium package (scripts/install-deps.sh test does) or set KONTOR_CHROMIUM");
  }
  return found;
}
