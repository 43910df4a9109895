import { describe, expect, test } from "vitest";
import { applyMention, mentionAt, rankMentions, type MentionCandidate } from "./mentions";

describe("mentionAt", () => {
  test.each([
    ["start of text", "@an", 3, { start: 0, query: "an" }],
    ["after a space", "Hallo @j.mu", 11, { start: 6, query: "j.mu" }],
    ["just the @", "Hallo @", 7, { start: 6, query: "" }],
    ["caret in the middle of the name", "@anna ok", 3, { start: 0, query: "an" }],
    ["after a line break", "eins\n@b", 7, { start: 5, query: "b" }],
    ["an e-mail address is not a mention", "anna@exa", 8, undefined],
    ["no @ before the caret", "Hallo Anna", 10, undefined],
    ["a finished mention followed by text", "@anna hallo", 11, undefined],
  ])("%s", (_name, text, caret, want) => {
    expect(mentionAt(text, caret)).toEqual(want);
  });
});

const people: MentionCandidate[] = [
  { id: "1", username: "akoch", display_name: "Anna Koch" },
  { id: "2", username: "jmueller", display_name: "Jürgen Müller" },
  { id: "3", username: "bwagner", display_name: "Bernd Wagner" },
  { id: "4", username: "wli", display_name: "李伟" },
  { id: "5", username: "mkanne", display_name: "Maria Anne" },
  { id: "c", username: "channel", display_name: "Everyone in this channel", everyone: true },
];
const names = (cs: MentionCandidate[]) => cs.map((c) => c.username);

describe("rankMentions", () => {
  test("username prefix first, then a name word, then anything containing it", () => {
    expect(names(rankMentions(people, "an"))).toEqual(["akoch", "mkanne", "channel"]);
    expect(names(rankMentions(people, "ko"))).toEqual(["akoch"]);
  });
  test("accents and case do not matter", () => {
    expect(names(rankMentions(people, "JUR"))).toEqual(["jmueller"]);
    expect(names(rankMentions(people, "müll"))).toEqual(["jmueller"]);
  });
  test("Chinese names by their characters", () => {
    expect(names(rankMentions(people, "李"))).toEqual(["wli"]);
  });
  test("an empty query lists people by name, everyone last, and respects the limit", () => {
    expect(names(rankMentions(people, ""))).toEqual(["akoch", "bwagner", "jmueller", "mkanne", "wli", "channel"]);
    expect(rankMentions(people, "", 2)).toHaveLength(2);
  });
  test("no match, no list", () => {
    expect(rankMentions(people, "zzz")).toEqual([]);
  });
});

describe("applyMention", () => {
  test("replaces what was typed and leaves one space", () => {
    const text = "Hallo @an";
    expect(applyMention(text, 9, { start: 6, query: "an" }, "akoch")).toEqual({ text: "Hallo @akoch ", caret: 13 });
  });
  test("in the middle of text it replaces the whole partial name", () => {
    const text = "Hallo @an wie geht's";
    expect(applyMention(text, 8, { start: 6, query: "a" }, "akoch")).toEqual({ text: "Hallo @akoch wie geht's", caret: 13 });
  });
});
