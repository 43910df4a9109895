// Chat while someone is signed in: the one websocket, the sidebar's
// channels with their unread counts, typing, presence, own status,
// desktop notifications and the app badge. Screens read the stores here
// and subscribe to a channel's events with onChannelEvent.

import { api, ok, type Schemas, type User } from "../api/client";
import { sessionEnded } from "../platform/session";
import { createStore } from "../base/store";
import { doNotDisturb, notify, setBadge } from "../platform/notifications";
import { readPref, writePref } from "../platform/prefs";
import { presenceStore, type Presence } from "../platform/presence";
import { plainText } from "./markdown";
import { nameOf, peopleStore, requestPeople } from "./people";
import { channelOf, type ChatEvent, type Frame } from "./events";
import { RealtimeClient, socketURL, type RealtimeStatus } from "./realtime";
import type { components } from "../api/schema";
import { applyChannelUpdate, applyMessageCreated, applyRead, badgeCount, isDirect, wantsNotification, type Channel, type Message } from "./unread";
import { forgetConversations } from "./memory";
import { forgetUnsent } from "./unsent";

export type Member = Schemas["Member"];
export type ChatSettings = Schemas["Settings"];
export type MySettings = Schemas["MySettings"];

export interface ChannelsState {
  loaded: boolean;
  error?: unknown;
  byId: ReadonlyMap<string, Channel>;
}

export const channelsStore = createStore<ChannelsState>({ loaded: false, byId: new Map() });
export const realtimeStatus = createStore<RealtimeStatus>("stopped");
/** channel id → user id → when their typing indicator ends (ms since epoch). */
export const typingStore = createStore<ReadonlyMap<string, ReadonlyMap<string, number>>>(new Map());
export const chatSettingsStore = createStore<{ server?: ChatSettings; mine?: MySettings }>({});
/** The channel on screen (set by the channel view), for notifications and read marks. */
export const viewingStore = createStore<string | undefined>(undefined);

/** Own status as chosen in the profile menu: active (with automatic away), away, or do not disturb. */
export type MyStatus = "active" | "away" | "dnd";
export const myStatusStore = createStore<MyStatus>("active");

type Listener = (ev: ChatEvent) => void;
const channelListeners = new Map<string, Set<Listener>>();
const reloadListeners = new Set<() => void>();
// Calls (webapp/src/calls) listen to every channel's events, the frames
// without a cursor, and each greeting (a new connection: rejoin a call).
const anyEventListeners = new Set<Listener>();
const frameListeners = new Set<(f: Frame) => void>();
const connectedListeners = new Set<(fresh: boolean) => void>();

function listen<T>(set: Set<T>, fn: T): () => void {
  set.add(fn);
  return () => set.delete(fn);
}

/** Every durable event of every channel (calls start, change and end in any of them). */
export const onAnyEvent = (fn: Listener) => listen(anyEventListeners, fn);
/** Frames without a cursor (call.* signaling, errors, acks). */
export const onFrame = (fn: (f: Frame) => void) => listen(frameListeners, fn);
/** Each time the websocket is greeted (fresh: state must be loaded again). */
export const onConnected = (fn: (fresh: boolean) => void) => listen(connectedListeners, fn);

/** Sends a call.* frame; false when the websocket is not connected. */
export function sendCallFrame(frame: components["schemas"]["CallClientFrame"]): boolean {
  // The gateway hands every call.* frame to modules/calls; ClientFrame
  // does not list them, so the one cast of the wire's shape is here.
  return client?.send(frame as unknown as Parameters<RealtimeClient["send"]>[0]) ?? false;
}

let client: RealtimeClient | undefined;
let me: User | undefined;
let cleanup: (() => void)[] = [];

export function currentUserId(): string {
  return me?.id ?? "";
}

/** Events of one channel (messages, reactions, members, receipts, ...). */
export function onChannelEvent(channelId: string, fn: Listener): () => void {
  let set = channelListeners.get(channelId);
  if (!set) channelListeners.set(channelId, (set = new Set()));
  set.add(fn);
  return () => {
    set.delete(fn);
    if (set.size === 0) channelListeners.delete(channelId);
  };
}

/** Called when state must be loaded again over REST (first connection, resync). */
export function onReload(fn: () => void): () => void {
  reloadListeners.add(fn);
  return () => reloadListeners.delete(fn);
}

function setChannel(c: Channel): void {
  channelsStore.set((s) => {
    const byId = new Map(s.byId);
    byId.set(c.id, c);
    return { ...s, byId };
  });
}

function dropChannel(id: string): void {
  channelsStore.set((s) => {
    if (!s.byId.has(id)) return s;
    const byId = new Map(s.byId);
    byId.delete(id);
    return { ...s, byId };
  });
}

function updateChannel(id: string, fn: (c: Channel) => Channel): void {
  const c = channelsStore.get().byId.get(id);
  if (c) {
    const next = fn(c);
    if (next !== c) setChannel(next);
  }
}

export async function loadChannels(): Promise<void> {
  try {
    const out = await ok(api.GET("/api/v1/channels"));
    const byId = new Map(out.items?.map((c) => [c.id, c]) ?? []);
    channelsStore.set({ loaded: true, byId });
    watchPeople("sidebar", directPartners(byId.values()));
  } catch (error) {
    channelsStore.set((s) => ({ ...s, loaded: true, error }));
  }
}

/** Asks the server for one channel (after an event we cannot apply ourselves). */
export async function refreshChannel(id: string): Promise<Channel | undefined> {
  try {
    const c = await ok(api.GET("/api/v1/channels/{id}", { params: { path: { id } } }));
    if (c.membership) {
      setChannel(c);
      if (isDirect(c)) watchPeople("sidebar", directPartners(channelsStore.get().byId.values()));
    } else dropChannel(id);
    return c;
  } catch {
    return undefined;
  }
}

const refreshTimers = new Map<string, ReturnType<typeof setTimeout>>();
function refreshSoon(id: string): void {
  if (refreshTimers.has(id)) return;
  refreshTimers.set(
    id,
    setTimeout(() => {
      refreshTimers.delete(id);
      void refreshChannel(id);
    }, 300),
  );
}

function directPartners(cs: Iterable<Channel>): string[] {
  const out = new Set<string>();
  for (const c of cs) if (isDirect(c)) for (const u of c.member_ids ?? []) if (u !== me?.id) out.add(u);
  return [...out];
}

// ---- presence ----

const watched = new Map<string, readonly string[]>();
let subTimer: ReturnType<typeof setTimeout> | undefined;

/** The people a part of the screen shows; presence_sub asks for all of them together. */
export function watchPeople(key: string, ids: readonly string[]): void {
  watched.set(key, ids);
  requestPeople(ids);
  if (subTimer) clearTimeout(subTimer);
  subTimer = setTimeout(() => {
    subTimer = undefined;
    const all = new Set<string>(me ? [me.id] : []);
    for (const list of watched.values()) for (const id of list) all.add(id);
    client?.setSticky("presence_sub", { type: "presence_sub", user_ids: [...all].slice(0, 1000) });
  }, 50);
}

function toPresence(status: string): Presence {
  return status === "active" ? "online" : status === "away" || status === "dnd" || status === "offline" ? status : "unknown";
}

function onPresence(p: { user_id?: string; status?: string }): void {
  if (!p.user_id || !p.status) return;
  const state = toPresence(p.status);
  presenceStore.set((prev) => {
    if (prev.get(p.user_id ?? "") === state) return prev;
    const next = new Map(prev);
    next.set(p.user_id ?? "", state);
    return next;
  });
  if (p.user_id === me?.id) {
    // Do not disturb is kept by the server for all my devices.
    if (p.status === "dnd") myStatusStore.set("dnd");
    else if (myStatusStore.get() === "dnd") myStatusStore.set(readPref("status") === "away" ? "away" : "active");
    doNotDisturb.set(p.status === "dnd");
  }
}

export function setMyStatus(status: MyStatus): void {
  writePref("status", status === "away" ? "away" : null);
  myStatusStore.set(status);
  doNotDisturb.set(status === "dnd");
  // Away is per connection, so it is said again after every reconnect; do
  // not disturb the server keeps by itself.
  client?.setSticky("status", status === "away" ? { type: "presence", status: "away" } : undefined);
  client?.send({ type: "presence", status });
}

// Being used means being active: say so now and then (a frame is also
// what keeps the server from counting us away after 10 minutes).
let lastActive = 0;
function onActivity(): void {
  const now = Date.now();
  if (now - lastActive < 60_000 || myStatusStore.get() !== "active") return;
  lastActive = now;
  client?.send({ type: "presence", status: "active" });
}

// ---- typing ----

const typedAt = new Map<string, number>();

/** Tells the others in the channel that I am typing (at most every 2 s, as the server passes on). */
export function sendTyping(channelId: string): void {
  const now = Date.now();
  if (now - (typedAt.get(channelId) ?? 0) < 2000) return;
  typedAt.set(channelId, now);
  client?.send({ type: "typing", channel_id: channelId });
}

function setTyping(channelId: string, userId: string, until: number | undefined): void {
  typingStore.set((prev) => {
    const ch = prev.get(channelId);
    if (until === undefined && !ch?.has(userId)) return prev;
    const next = new Map(prev);
    const users = new Map(ch ?? []);
    if (until === undefined) users.delete(userId);
    else users.set(userId, until);
    next.set(channelId, users);
    return next;
  });
}

let typingSweep: ReturnType<typeof setInterval> | undefined;
function sweepTyping(): void {
  const now = Date.now();
  for (const [ch, users] of typingStore.get()) for (const [u, until] of users) if (until <= now) setTyping(ch, u, undefined);
}

// ---- read marks ----

/** Marks a channel read up to seq (I have seen it on screen). */
export async function markRead(channelId: string, seq: number): Promise<void> {
  const c = channelsStore.get().byId.get(channelId);
  const mem = c?.membership;
  if (!c || !mem || seq <= mem.last_read_seq) return;
  setChannel(applyRead(c, seq).channel);
  try {
    const m = await ok(api.POST("/api/v1/channels/{id}/read", { params: { path: { id: channelId } }, body: { seq } }));
    updateChannel(channelId, (x) => ({ ...x, membership: m }));
  } catch {
    // The next read mark or reload corrects the counts.
  }
}

/** My notification level for a channel: shown at once, then saved. */
export async function setNotifyLevel(channelId: string, notify: "all" | "mentions" | "none"): Promise<void> {
  const before = channelsStore.get().byId.get(channelId)?.membership?.notify;
  updateChannel(channelId, (c) => (c.membership ? { ...c, membership: { ...c.membership, notify } } : c));
  try {
    await ok(api.PUT("/api/v1/channels/{id}/notify", { params: { path: { id: channelId } }, body: { notify } }));
  } catch (e) {
    if (before) updateChannel(channelId, (c) => (c.membership ? { ...c, membership: { ...c.membership, notify: before } } : c));
    throw e;
  }
}

// ---- events ----

function dispatch(channelId: string, ev: ChatEvent): void {
  for (const fn of channelListeners.get(channelId) ?? []) fn(ev);
}

// The channel list's part of an event; the messages on screen are the
// listeners' (applyEvent in events.ts).
function onEvent(f: ChatEvent): void {
  const channelId = channelOf(f);
  const self = me?.id ?? "";
  switch (f.type) {
    case "message.created": {
      const m = f.payload;
      setTyping(channelId, m.user_id, undefined);
      const before = channelsStore.get().byId.get(channelId);
      updateChannel(channelId, (c) => applyMessageCreated(c, m, self));
      if (before && m.seq > before.last_seq) maybeNotify(m, before);
      break;
    }
    case "message.deleted":
    case "message.expired":
      if ((channelsStore.get().byId.get(channelId)?.membership?.unread_count ?? 0) > 0) refreshSoon(channelId);
      break;
    case "channel.created":
      if (!channelsStore.get().byId.has(channelId)) refreshSoon(channelId);
      break;
    case "channel.updated":
    case "channel.archived":
    case "channel.unarchived":
      updateChannel(channelId, (c) => applyChannelUpdate(c, f.payload));
      break;
    case "member.added":
    case "member.updated":
    case "member.removed": {
      if (f.payload.user_id === self) {
        if (f.type === "member.removed") dropChannel(channelId);
        else refreshSoon(channelId);
      } else if (f.type !== "member.updated") {
        updateChannel(channelId, (c) => ({ ...c, member_count: Math.max(0, c.member_count + (f.type === "member.added" ? 1 : -1)) }));
      }
      break;
    }
    case "read.updated": {
      const c = channelsStore.get().byId.get(channelId);
      if (c) {
        const r = applyRead(c, f.payload.last_read_seq);
        setChannel(r.channel);
        if (r.stale) refreshSoon(channelId);
      }
      break;
    }
  }
  dispatch(channelId, f);
  for (const fn of anyEventListeners) fn(f);
}

function maybeNotify(m: Message, ch: Channel): void {
  const visible = typeof document !== "undefined" && document.visibilityState === "visible";
  if (!wantsNotification(m, ch, { me: me?.id ?? "", viewing: visible ? viewingStore.get() : undefined })) return;
  const author = nameOf(peopleStore.get().get(m.user_id), "");
  const where = isDirect(ch) ? author : `#${ch.display_name || ch.name}`;
  const title = isDirect(ch) || !author ? where || "Kontor" : `${author} · ${where}`;
  void notify({
    title,
    body: plainText(m.text) || "…",
    tag: ch.id,
    url: `/c/${encodeURIComponent(ch.id)}?m=${encodeURIComponent(m.root_id || m.id)}`,
  });
}

function onEphemeral(f: Frame): void {
  for (const fn of frameListeners) fn(f);
  if (f.type === "typing") {
    const p = f.payload;
    if (f.channel_id && p.user_id && p.user_id !== me?.id) setTyping(f.channel_id, p.user_id, Date.now() + (p.expires_in_ms || 6000));
  } else if (f.type === "presence") {
    onPresence(f.payload);
  }
}

async function loadSettings(): Promise<void> {
  try {
    const [server, mine] = await Promise.all([ok(api.GET("/api/v1/chat/settings")), ok(api.GET("/api/v1/chat/my-settings"))]);
    chatSettingsStore.set({ server, mine });
  } catch {
    // Without settings: no self-destruct option, no receipts shown.
  }
}

/** Starts chat for the signed-in person (idempotent for the same person). */
export function startChat(user: User): void {
  if (me?.id === user.id && client) return;
  stopChat();
  me = user;
  const saved = readPref("status");
  myStatusStore.set(saved === "away" ? "away" : "active");
  client = new RealtimeClient(
    { url: (cursor) => socketURL(window.location.origin, cursor) },
    {
      event: onEvent,
      ephemeral: onEphemeral,
      ready: ({ fresh }) => {
        for (const fn of connectedListeners) fn(fresh);
        if (fresh) {
          void loadChannels();
          void loadSettings();
          for (const fn of reloadListeners) fn();
        }
      },
      status: (s) => {
        realtimeStatus.set(s);
        // Without the connection nobody's presence or typing is known; the
        // watched people's presence comes back with the next greeting.
        if (s === "reconnecting") {
          presenceStore.set(new Map());
          typingStore.set(new Map());
        }
      },
      sessionEnded: () => void sessionEnded(),
    },
  );
  if (saved === "away") client.setSticky("status", { type: "presence", status: "away" });
  watchPeople("me", [user.id]);
  client.start();

  const online = () => client?.reconnectNow();
  window.addEventListener("online", online);
  const activity = () => onActivity();
  for (const ev of ["keydown", "pointerdown", "focus"]) window.addEventListener(ev, activity, { passive: true });
  const unBadge = channelsStore.subscribe(() => void setBadge(badgeCount(channelsStore.get().byId.values())));
  typingSweep = setInterval(sweepTyping, 1000);
  cleanup = [
    () => window.removeEventListener("online", online),
    () => {
      for (const ev of ["keydown", "pointerdown", "focus"]) window.removeEventListener(ev, activity);
    },
    unBadge,
  ];
}

export function stopChat(): void {
  client?.stop();
  client = undefined;
  me = undefined;
  for (const fn of cleanup) fn();
  cleanup = [];
  if (typingSweep) clearInterval(typingSweep);
  channelsStore.set({ loaded: false, byId: new Map() });
  typingStore.set(new Map());
  presenceStore.set(new Map());
  watched.clear();
  forgetUnsent();
  forgetConversations();
  void setBadge(0);
}
