// What the tab's title names: the route's title, unless the screen on
// show knows better (a conversation's name). The shell adds the unread
// count and "Kontor".

import { useEffect } from "react";
import { createStore } from "./store";

export const screenTitle = createStore<string | undefined>(undefined);

/** Names the tab after this screen while it is mounted. */
export function useScreenTitle(title: string | undefined): void {
  useEffect(() => {
    screenTitle.set(title);
    return () => screenTitle.set(undefined);
  }, [title]);
}

/** "(3) #einkauf · Kontor": unread first, so it shows in a narrow tab. */
export function tabTitle(title: string, unread: number): string {
  return `${unread > 0 ? `(${unread}) ` : ""}${title} · Kontor`;
}
