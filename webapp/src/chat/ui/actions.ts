// The message actions a person takes, as API calls.

import { api, ok } from "../../api/client";

const ids = (channel: string, message: string) => ({ params: { path: { id: channel, mid: message } } });

export const reactTo = (channel: string, message: string, emoji: string) =>
  ok(api.POST("/api/v1/channels/{id}/messages/{mid}/reactions", { ...ids(channel, message), body: { emoji } }));

export const setPinned = (channel: string, message: string, on: boolean) =>
  ok(on ? api.POST("/api/v1/channels/{id}/messages/{mid}/pin", ids(channel, message)) : api.DELETE("/api/v1/channels/{id}/messages/{mid}/pin", ids(channel, message)));

export const deleteMessage = (channel: string, message: string) => ok(api.DELETE("/api/v1/channels/{id}/messages/{mid}", ids(channel, message)));

export const editMessage = (channel: string, message: string, text: string) =>
  ok(api.PATCH("/api/v1/channels/{id}/messages/{mid}", { ...ids(channel, message), body: { text } }));

export const markUnread = (channel: string, seq: number) => ok(api.POST("/api/v1/channels/{id}/unread", { params: { path: { id: channel } }, body: { seq } }));

export const postMessage = (channel: string, body: { text: string; root_id?: string; expires_in_seconds?: number }) =>
  ok(api.POST("/api/v1/channels/{id}/messages", { params: { path: { id: channel } }, body }));

/** A link to a message that opens it in context. */
export function messageLink(channel: string, message: string): string {
  return `${window.location.origin}/c/${encodeURIComponent(channel)}?m=${encodeURIComponent(message)}`;
}
