// The event vocabulary between server and web app, and the one place
// events change the messages on screen.
//
// The types are generated from the OpenAPI document (docs/openapi.json,
// components/schemas/Event and Frame), which the server builds from the
// Go payload structs of each module; the server's test suite checks every
// event it produces against the same schemas. So narrowing on `type`
// gives each event's real payload, and nothing here casts.

import type { components } from "../api/schema";
import { withFile } from "./uploads";
import type { Message } from "./window";

/** An event of the event log, as the websocket delivers it: narrow on type. */
export type ChatEvent = components["schemas"]["Event"];
/** Every frame the server sends: the control frames and the events. */
export type Frame = components["schemas"]["Frame"];
export type EventType = ChatEvent["type"];
/** The event of one type, with its payload. */
export type EventOf<T extends EventType> = Extract<ChatEvent, { type: T }>;

/** The channel an event concerns: the frame's, or for events addressed to one person the payload's. */
export function channelOf(ev: ChatEvent): string {
  if (ev.channel_id) return ev.channel_id;
  const p: object = ev.payload;
  return "channel_id" in p && typeof p.channel_id === "string" ? p.channel_id : "";
}

/** How a list of messages on screen changes: the conversation's window and a thread each say how. */
export interface MessageList<L> {
  /** A message created or changed; the list decides whether it belongs. */
  upsert(list: L, m: Message): L;
  /** A message deleted or expired. */
  remove(list: L, id: string, expired: boolean): L;
  /** One message changed in place; a list without it stays as it is. */
  patch(list: L, id: string, fn: (m: Message) => Message): L;
}

/**
 * Applies an event to a list of messages: the only reducer of message
 * events. Events that change no message return the list itself, so a
 * React state setter bails out.
 */
export function applyEvent<L>(list: L, ev: ChatEvent, ops: MessageList<L>): L {
  switch (ev.type) {
    case "message.created":
    case "message.updated":
    case "message.pinned":
    case "message.unpinned":
      return ops.upsert(list, ev.payload);
    case "message.deleted":
    case "message.expired":
      return ops.remove(list, ev.payload.id, ev.type === "message.expired");
    case "message.moderated":
      // Taken down: it stays in the conversation as a placeholder, as a reload shows it.
      return ops.patch(list, ev.payload.id, (m) => ({
        ...m,
        text: "",
        attachments: [],
        reactions: [],
        deleted: true,
        moderated: true,
      }));
    case "reaction.changed": {
      const reactions = ev.payload.reactions ?? [];
      return ops.patch(list, ev.payload.message_id, (m) => ({ ...m, reactions }));
    }
    case "thread.updated": {
      const p = ev.payload;
      return ops.patch(list, p.root_id, (m) => ({ ...m, reply_count: p.reply_count, last_reply_at: p.last_reply_at }));
    }
    case "file.updated": {
      const { file, message_ids } = ev.payload;
      return (message_ids ?? []).reduce((acc, id) => ops.patch(acc, id, (m) => withFile(m, file)), list);
    }
    default:
      return list;
  }
}
