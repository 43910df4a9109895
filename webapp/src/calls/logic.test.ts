import { describe, expect, test } from "vitest";
import { callShortcut, classifyQuality, msidByMid, parseRejoin, pickSpeaker, rejoinMaxAgeMs, sourceOf } from "./logic";

describe("classifyQuality", () => {
  test.each([
    ["nothing measured yet", undefined, "unknown"],
    ["no packets and no round trip", { received: 0, lost: 0 }, "unknown"],
    ["a clean LAN", { rtt: 0.01, received: 500, lost: 0, jitter: 0.002 }, "good"],
    ["3 % loss is audible", { rtt: 0.02, received: 970, lost: 30 }, "fair"],
    ["300 ms round trip", { rtt: 0.3, received: 100, lost: 0 }, "fair"],
    ["10 % loss breaks speech", { rtt: 0.02, received: 900, lost: 100 }, "poor"],
    ["a second of delay", { rtt: 1, received: 100, lost: 0 }, "poor"],
    ["heavy jitter", { rtt: 0.02, received: 100, lost: 0, jitter: 0.2 }, "poor"],
  ] as const)("%s", (_name, sample, want) => {
    expect(classifyQuality(sample)).toBe(want);
  });
});

describe("pickSpeaker", () => {
  const levels = (o: Record<string, number>) => new Map(Object.entries(o));
  test("the loudest above the threshold", () => {
    expect(pickSpeaker(levels({ a: 0.1, b: 0.4, c: 0.01 }), undefined)).toBe("b");
  });
  test("silence is nobody", () => {
    expect(pickSpeaker(levels({ a: 0.005, b: 0.01 }), "a")).toBeUndefined();
  });
  test("the current speaker keeps the highlight against a slightly louder voice (no flicker)", () => {
    expect(pickSpeaker(levels({ a: 0.3, b: 0.4 }), "a")).toBe("a");
  });
  test("a much louder voice takes over", () => {
    expect(pickSpeaker(levels({ a: 0.05, b: 0.5 }), "a")).toBe("b");
  });
  test("a speaker who stopped loses it", () => {
    expect(pickSpeaker(levels({ a: 0, b: 0.2 }), "a")).toBe("b");
  });
});

describe("parseRejoin", () => {
  const now = 1_800_000_000_000;
  test("a note written just before a reload rejoins with its devices", () => {
    const raw = JSON.stringify({ channelId: "ch1", at: now - 3000, audioId: "mic", videoId: "cam", muted: true });
    expect(parseRejoin(raw, now)).toEqual({ channelId: "ch1", at: now - 3000, audioId: "mic", videoId: "cam", muted: true, cameraOff: false });
  });
  test.each([
    ["nothing", null],
    ["not JSON", "{"],
    ["no channel", JSON.stringify({ at: now })],
    ["too old: a tab reopened later does not jump into a call", JSON.stringify({ channelId: "ch1", at: now - rejoinMaxAgeMs - 1 })],
    ["from the future", JSON.stringify({ channelId: "ch1", at: now + rejoinMaxAgeMs + 1 })],
    ["wrong types", JSON.stringify({ channelId: 5, at: "x" })],
  ])("%s: no rejoin", (_name, raw) => {
    expect(parseRejoin(raw, now)).toBeUndefined();
  });
});

describe("callShortcut", () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }>, code?: string) => ({
    key: k,
    code,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    ...mods,
  });
  test.each([
    ["Ctrl+Shift+M mutes", key("M", { ctrlKey: true, shiftKey: true }, "KeyM"), "mute"],
    ["Cmd+Shift+M mutes (Mac)", key("m", { metaKey: true, shiftKey: true }, "KeyM"), "mute"],
    ["Ctrl+Shift+O toggles the camera", key("O", { ctrlKey: true, shiftKey: true }, "KeyO"), "camera"],
    ["a German layout's key position counts, not the letter", key("µ", { ctrlKey: true, shiftKey: true }, "KeyM"), "mute"],
    ["M alone is typing", key("m", {}, "KeyM"), undefined],
    ["Ctrl+M without Shift is not it", key("m", { ctrlKey: true }, "KeyM"), undefined],
    ["Ctrl+Alt+Shift+M is not it", key("M", { ctrlKey: true, altKey: true, shiftKey: true }, "KeyM"), undefined],
  ] as const)("%s", (_name, e, want) => {
    expect(callShortcut(e)).toBe(want);
  });
});

test("sourceOf finds a received track's source in the call state", () => {
  const tracks = [
    { id: "t1", kind: "audio", source: "microphone" },
    { id: "t2", kind: "video", source: "screen" },
  ];
  expect(sourceOf(tracks, "t2")).toBe("screen");
  expect(sourceOf(tracks, "t3")).toBe("unknown");
  expect(sourceOf(undefined, "t1")).toBe("unknown");
});

describe("msidByMid", () => {
  // Two sections as the SFU offers them after Carla came back: section 1 was
  // her first camera's and carries her new camera now; section 2 is idle.
  const sdp = [
    "v=0",
    "o=- 1 2 IN IP4 0.0.0.0",
    "s=-",
    "t=0 0",
    "a=msid-semantic:WMS *",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "a=mid:0",
    "a=recvonly",
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "a=mid:1",
    "a=msid:carla new-camera",
    "a=sendonly",
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "a=msid:anna screen-1",
    "a=mid:2",
    "a=inactive",
    "",
  ].join("\r\n");

  test("maps each section's mid to the stream and track it carries now", () => {
    const m = msidByMid(sdp);
    expect(m.get("1")).toEqual({ stream: "carla", track: "new-camera" });
    expect(m.get("2")).toEqual({ stream: "anna", track: "screen-1" });
    expect(m.has("0")).toBe(false);
  });

  test("nothing for no description", () => {
    expect(msidByMid(undefined).size).toBe(0);
    expect(msidByMid("").size).toBe(0);
  });
});
