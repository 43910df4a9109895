import { expect, test } from "vitest";
import { describeAgent } from "./Security";

test.each([
  ["Chrome on Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", "Chrome · Linux"],
  ["Firefox on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox · Windows"],
  ["Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari · macOS"],
  ["a script", "curl/8.5.0", "curl/8.5.0"],
  ["nothing", "", "—"],
])("describeAgent: %s", (_name, ua, want) => {
  expect(describeAgent(ua)).toBe(want);
});
