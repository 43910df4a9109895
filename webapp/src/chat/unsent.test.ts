import { expect, test } from "vitest";
import type { KeyValue } from "../platform/prefs";
import { Drafts } from "./unsent";

function memoryStorage(): KeyValue & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

test("drafts survive a reload, per account and conversation", () => {
  const storage = memoryStorage();
  let who: string | undefined = "anna";
  const before = new Drafts(() => who, storage);
  before.set("c1", "Hallo");
  before.set("c1/m9", "Antwort");
  // The page reloads: a new Drafts reads what the old one kept.
  const after = new Drafts(() => who, storage);
  expect(after.get("c1")).toBe("Hallo");
  expect(after.get("c1/m9")).toBe("Antwort");
  // Another account on the same browser has none of them.
  who = "bernd";
  expect(after.get("c1")).toBeUndefined();
});

test("an emptied box and a sent message leave no draft; sign-out forgets them all", () => {
  const storage = memoryStorage();
  const d = new Drafts(() => "anna", storage);
  d.set("c1", "x");
  d.set("c1", "");
  d.set("c2", "y");
  d.delete("c2");
  expect(storage.data.size).toBe(0);
  d.set("c3", "z");
  d.clear();
  expect(storage.data.size).toBe(0);
  expect(new Drafts(() => "anna", storage).get("c3")).toBeUndefined();
});

test("a damaged entry is no draft", () => {
  const storage = memoryStorage();
  storage.setItem("kontor.drafts.anna", "{not json");
  expect(new Drafts(() => "anna", storage).get("c1")).toBeUndefined();
});
