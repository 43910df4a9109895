// How a channel is called on screen: "#einkauf" for channels, the other
// people's names for direct and group conversations.

import type { Profile } from "../../api/client";
import type { Translate } from "../../i18n";
import { nameOf } from "../people";
import { isDirect, type Channel } from "../unread";

export function otherMembers(c: Channel, me: string): string[] {
  return (c.member_ids ?? []).filter((u) => u !== me);
}

export function channelTitle(c: Channel, me: string, people: ReadonlyMap<string, Profile>, t: Translate): string {
  if (!isDirect(c)) return c.display_name || c.name || "";
  const others = otherMembers(c, me);
  if (others.length === 0) return t("chat.noteToSelf");
  return others.map((u) => nameOf(people.get(u))).join(", ");
}

/** "#einkauf" for channels, names for conversations: what a heading or a notification says. */
export function channelLabel(c: Channel, me: string, people: ReadonlyMap<string, Profile>, t: Translate): string {
  const title = channelTitle(c, me, people, t);
  return isDirect(c) ? title : `#${c.name || title}`;
}
