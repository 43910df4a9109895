import { expect, test } from "vitest";
import { formatDuration, formatSize, isImage, uploadURL, withFile } from "./uploads";

test("upload address: the name is encoded; voice messages carry their duration", () => {
  expect(uploadURL("Bericht Q3 & Plan.pdf")).toBe("/api/v1/files?name=Bericht+Q3+%26+Plan.pdf");
  expect(uploadURL("voice.webm", { voice: true, durationMs: 4200.4 })).toBe("/api/v1/files?name=voice.webm&voice=true&duration_ms=4200");
});

test.each([
  [512, "en", "512 byte"],
  [1536, "en", "1.5 kB"],
  [10 * 1024 * 1024, "en", "10 MB"],
  [1536, "de", "1,5 kB"],
])("formatSize(%d, %s)", (bytes, locale, want) => {
  expect(formatSize(bytes, locale)).toBe(want);
});

test("durations as m:ss", () => {
  expect(formatDuration(4200)).toBe("0:04");
  expect(formatDuration(75_000)).toBe("1:15");
});

test("only the image types the server previews count as images", () => {
  expect(isImage({ content_type: "image/png" })).toBe(true);
  expect(isImage({ content_type: "image/svg+xml" })).toBe(false);
  expect(isImage({ content_type: "application/pdf" })).toBe(false);
});

test("a finished preview updates the attachment it belongs to, and only that", () => {
  const m = { id: "m", attachments: [{ id: "f1", name: "a.png", content_type: "image/png", size: 1, sha256: "x" }, { id: "f2", name: "b.pdf", content_type: "application/pdf", size: 2, sha256: "y" }] };
  const got = withFile(m, { id: "f1", thumbnail_url: "/api/v1/files/f1/thumbnail", width: 400, height: 300 });
  expect(got.attachments?.[0]).toMatchObject({ thumbnail_url: "/api/v1/files/f1/thumbnail", width: 400, name: "a.png" });
  expect(got.attachments?.[1]).toBe(m.attachments[1]);
  expect(withFile(m, { id: "other" })).toBe(m);
});
