import { expect, test } from "vitest";
import { hasOperator, parseSnippet, toggleOperator, withoutMarks } from "./query";

test("snippets: marks become segments, entities are decoded, nothing else is markup", () => {
  expect(parseSnippet("Die <mark>Häuser</mark> &amp; <mark>Straßen</mark>")).toEqual([
    { text: "Die ", mark: false },
    { text: "Häuser", mark: true },
    { text: " & ", mark: false },
    { text: "Straßen", mark: true },
  ]);
  // Escaped HTML in a message stays text.
  expect(parseSnippet("&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>")).toEqual([
    { text: "<script>alert(1)</script> ", mark: false },
    { text: "x", mark: true },
  ]);
  // Markup other than <mark> is not interpreted.
  expect(parseSnippet("<b>bold</b>")).toEqual([{ text: "<b>bold</b>", mark: false }]);
});

test("filter chips add and remove their operator without touching the rest", () => {
  expect(toggleOperator("angebot", "has:file")).toBe("angebot has:file");
  expect(toggleOperator("angebot has:file", "has:file")).toBe("angebot");
  expect(toggleOperator('"has:file" angebot', "has:file")).toBe('"has:file" angebot has:file');
  expect(toggleOperator("", "is:thread")).toBe("is:thread");
  expect(hasOperator("x HAS:LINK", "has:link")).toBe(true);
  expect(hasOperator('"has:link"', "has:link")).toBe(false);
});

test("Markdown emphasis marks around a match are not shown", () => {
  expect(withoutMarks(parseSnippet("das **<mark>Angebot</mark>** von"))).toEqual([
    { text: "das ", mark: false },
    { text: "Angebot", mark: true },
    { text: " von", mark: false },
  ]);
});
