// The message actions a person takes, as API calls.

import { api, ApiError, NetworkError, ok } from "../../api/client";

const ids = (channel: string, message: string) => ({ params: { path: { id: channel, mid: message } } });

/** Adds (on) or takes back (off) my reaction; repeating it changes nothing. */
export const reactTo = (channel: string, message: string, emoji: string, on: boolean) =>
  ok(api.POST("/api/v1/channels/{id}/messages/{mid}/reactions", { ...ids(channel, message), body: { emoji, on } }));

export const setPinned = (channel: string, message: string, on: boolean) =>
  ok(on ? api.POST("/api/v1/channels/{id}/messages/{mid}/pin", ids(channel, message)) : api.DELETE("/api/v1/channels/{id}/messages/{mid}/pin", ids(channel, message)));

export const deleteMessage = (channel: string, message: string) => ok(api.DELETE("/api/v1/channels/{id}/messages/{mid}", ids(channel, message)));

export const editMessage = (channel: string, message: string, text: string) =>
  ok(api.PATCH("/api/v1/channels/{id}/messages/{mid}", { ...ids(channel, message), body: { text } }));

export const markUnread = (channel: string, seq: number) => ok(api.POST("/api/v1/channels/{id}/unread", { params: { path: { id: channel } }, body: { seq } }));

export type NewMessage = { text: string; root_id?: string; expires_in_seconds?: number; file_ids?: string[] };

/** A fresh id for one message, from the browser's random source (also on
 * plain-http addresses, where crypto.randomUUID is not offered). */
export function newClientId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** No answer, or one that says "not now" (a proxy in front of a restarting server, a database away). */
export const worthRetrying = (e: unknown) => e instanceof NetworkError || (e instanceof ApiError && [502, 503, 504].includes(e.status));

/**
 * Posts a message under a client id. When no answer comes back (network
 * gone, server restarting) or the answer says the server is unavailable,
 * it sends the same post again, a few times with growing pauses: the
 * server knows the id and returns the message already posted instead of a
 * second one. Any other problem answer is final and thrown.
 */
export async function postMessage(channel: string, body: NewMessage, clientId = newClientId(), tries = 6, wait = pause) {
  const sent = { ...body, client_id: clientId };
  for (let i = 1; ; i++) {
    try {
      return await ok(api.POST("/api/v1/channels/{id}/messages", { params: { path: { id: channel } }, body: sent }));
    } catch (e) {
      if (!worthRetrying(e) || i >= tries) throw e;
      await wait(500 * 2 ** (i - 1));
    }
  }
}

/** A link to a message that opens it in context. */
export function messageLink(channel: string, message: string): string {
  return `${window.location.origin}/c/${encodeURIComponent(channel)}?m=${encodeURIComponent(message)}`;
}
