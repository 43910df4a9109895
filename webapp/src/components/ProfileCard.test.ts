import { describe, expect, it } from "vitest";
import { localTime } from "./ProfileCard";

describe("localTime", () => {
  const noonUTC = new Date("2026-11-22T12:00:00Z");
  it("shows the time in the person's zone", () => {
    // The reader's locale picks 12- or 24-hour clocks.
    expect(localTime("Asia/Shanghai", noonUTC)).toMatch(/\b(20:00|08:00 PM|8:00 PM)/);
    expect(localTime("Europe/Berlin", noonUTC)).toMatch(/\b(13:00|01:00 PM|1:00 PM)/);
  });
  it("gives nothing for a zone the browser does not know", () => {
    expect(localTime("Mars/Olympus", noonUTC)).toBe("");
  });
});
