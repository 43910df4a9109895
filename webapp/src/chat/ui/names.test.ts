import { expect, test } from "vitest";
import { translate } from "../../i18n";
import { slug } from "./ChannelDialogs";
import { channelLabel, channelTitle } from "./names";
import type { Channel } from "../unread";

test.each([
  ["Einkauf Team!", "einkauf-team"],
  ["Größe & Maße", "groesse-masse"],
  ["  --Projekt X--  ", "projekt-x"],
  ["café_2027", "cafe_2027"],
  ["李伟", ""],
])("channel name from %j", (input, want) => {
  expect(slug(input)).toBe(want);
});

const t = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate("en", k, p);
const base: Channel = { id: "c", kind: "public", name: "einkauf", display_name: "Einkauf", announcement: false, created_by: "x", created_at: "", last_seq: 0, member_count: 2 };
const people = new Map([
  ["a", { id: "a", username: "akoch", display_name: "Anna Koch", email: "", department: "", title: "", phone: "", time_zone: "", active: true }],
  ["b", { id: "b", username: "bwagner", display_name: "Bernd Wagner", email: "", department: "", title: "", phone: "", time_zone: "", active: true }],
]);

test("channels are called by name, conversations by the other people", () => {
  expect(channelLabel(base, "a", people, t)).toBe("#einkauf");
  expect(channelTitle(base, "a", people, t)).toBe("Einkauf");
  const dm: Channel = { ...base, kind: "dm", name: "", display_name: "", member_ids: ["a", "b"] };
  expect(channelLabel(dm, "a", people, t)).toBe("Bernd Wagner");
  const group: Channel = { ...dm, kind: "group", member_ids: ["a", "b", "z"] };
  expect(channelTitle(group, "a", people, t)).toBe("Bernd Wagner, …");
  expect(channelTitle({ ...dm, member_ids: ["a"] }, "a", people, t)).toBe("Just you");
});
