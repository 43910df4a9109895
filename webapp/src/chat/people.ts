// Names and pictures of the people chat shows (authors, members, DM
// partners), fetched in batches of up to 100 (GET /users?ids=...) and kept
// for the session.

import { useEffect } from "react";
import { api, ok, type Profile } from "../api/client";
import { createStore, useStore } from "../base/store";

export const peopleStore = createStore<ReadonlyMap<string, Profile>>(new Map());

const wanted = new Set<string>();
const asked = new Set<string>();
let timer: ReturnType<typeof setTimeout> | undefined;

/** Makes sure these people's profiles get loaded (batched, once each). */
export function requestPeople(ids: readonly string[]): void {
  const have = peopleStore.get();
  for (const id of ids) if (id && !have.has(id) && !asked.has(id)) wanted.add(id);
  if (wanted.size > 0 && !timer) timer = setTimeout(flush, 10);
}

/** Adds profiles known from elsewhere (the people picker, the session). */
export function rememberPeople(ps: readonly Profile[]): void {
  if (ps.length === 0) return;
  peopleStore.set((prev) => {
    const next = new Map(prev);
    for (const p of ps) next.set(p.id, p);
    return next;
  });
}

async function flush(): Promise<void> {
  timer = undefined;
  const ids = [...wanted];
  wanted.clear();
  for (const id of ids) asked.add(id);
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    try {
      const page = await ok(api.GET("/api/v1/users", { params: { query: { ids: chunk.join(",") } } }));
      rememberPeople(page.items ?? []);
    } catch {
      // Try again on the next request for them.
      for (const id of chunk) asked.delete(id);
    }
  }
}

export function usePerson(id: string | undefined): Profile | undefined {
  const all = useStore(peopleStore);
  useEffect(() => {
    if (id) requestPeople([id]);
  }, [id]);
  return id ? all.get(id) : undefined;
}

export function usePeople(ids: readonly string[]): ReadonlyMap<string, Profile> {
  const all = useStore(peopleStore);
  const key = ids.join(",");
  useEffect(() => {
    requestPeople(ids);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return all;
}

/** A person's name, or a placeholder while it loads. */
export function nameOf(p: Profile | undefined, fallback = "…"): string {
  return p ? p.display_name || p.username : fallback;
}
