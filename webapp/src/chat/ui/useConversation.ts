// The state of one open channel: the loaded window of messages, its
// members and their read positions, kept current by the channel's events.

import { useCallback, useEffect, useRef, useState } from "react";
import { api, ok } from "../../api/client";
import { onChannelEvent, onReload, watchPeople, type Member } from "../runtime";
import { applyEvent, type MessageList } from "../events";
import { recall, remember } from "../memory";
import { appendNewer, emptyWindow, pageSize, patch, prependOlder, remove, upsert, windowFrom, type Message, type MessageWindow } from "../window";

// The conversation's window of messages as events change it.
const windowList: MessageList<MessageWindow> = { upsert, remove, patch };

export interface Conversation {
  win: MessageWindow;
  /** Changes when a new window replaces the old one (the list starts over there). */
  gen: number;
  loading: boolean;
  error: unknown;
  /** The message to show and highlight (a link, a jump from pins). */
  focus: string | undefined;
  loadingOlder: boolean;
  members: readonly Member[];
  /** user id → last read seq, for those who share read receipts. */
  readPos: ReadonlyMap<string, number>;
  loadOlder: () => void;
  loadNewer: () => void;
  jumpTo: (messageId: string) => Promise<Message | undefined>;
  jumpToPresent: () => void;
  /** Puts my own new or changed message in at once (the event confirms it). */
  put: (m: Message) => void;
  reloadMembers: () => void;
  /** The newest page: the first load and "jump to the present". */
  loadPresent: () => Promise<void>;
}

async function page(channelId: string, q: { before?: number; after?: number; around?: number }): Promise<Message[]> {
  const out = await ok(api.GET("/api/v1/channels/{id}/messages", { params: { path: { id: channelId }, query: { ...q, limit: pageSize } } }));
  return out.items ?? [];
}

export function useConversation(channelId: string, enabled: boolean): Conversation {
  // A conversation seen before in this session shows at once as it was,
  // and is refreshed behind it.
  const [seen] = useState(() => recall(channelId));
  const [win, setWin] = useState<MessageWindow>(() => seen?.win ?? emptyWindow());
  const [gen, setGen] = useState(0);
  const [loading, setLoading] = useState(!seen);
  const [error, setError] = useState<unknown>();
  const [focus, setFocus] = useState<string>();
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [members, setMembers] = useState<readonly Member[]>(() => seen?.members ?? []);
  const [readPos, setReadPos] = useState<ReadonlyMap<string, number>>(() => seen?.readPos ?? new Map());
  const winRef = useRef(win);
  winRef.current = win;
  const busy = useRef(false);
  const current = useRef(channelId);
  current.current = channelId;
  // A window load (the present, or around a linked message) in flight; a
  // reload asked for meanwhile is done again when it lands, so a
  // connection that comes up mid-load never replaces the linked view with
  // the present, nor leaves data from before the connection.
  const inFlight = useRef(false);
  const again = useRef(false);
  const settle = (redo: () => void) => {
    inFlight.current = false;
    if (again.current) {
      again.current = false;
      redo();
    }
  };

  const replace = useCallback((w: MessageWindow, focusId?: string) => {
    setWin(w);
    setFocus(focusId);
    setGen((g) => g + 1);
    setLoading(false);
    setError(undefined);
  }, []);

  const loadPresent = useCallback(async (): Promise<void> => {
    const id = channelId;
    inFlight.current = true;
    try {
      const items = await page(id, {});
      if (current.current !== id) return;
      // Nothing changed since the remembered view: keep it (and its scroll position).
      const shown = winRef.current;
      if (!shown.hasNewer && shown.items.length === items.length && JSON.stringify(shown.items) === JSON.stringify(items)) {
        setLoading(false);
        setError(undefined);
        return;
      }
      replace(windowFrom(items, { hasOlder: items.length >= pageSize, hasNewer: false }));
    } catch (e) {
      if (current.current !== id) return;
      setError(e);
      setLoading(false);
    } finally {
      settle(() => void loadPresent());
    }
  }, [channelId, replace]);

  const reloadMembers = useCallback(() => {
    const id = channelId;
    ok(api.GET("/api/v1/channels/{id}/members", { params: { path: { id } } })).then(
      (out) => {
        if (current.current !== id) return;
        const ms = out.items ?? [];
        setMembers(ms);
        setReadPos(new Map(ms.filter((m) => m.last_read_seq !== undefined).map((m) => [m.user_id, m.last_read_seq ?? 0])));
        watchPeople("channel", ms.map((m) => m.user_id).slice(0, 500));
      },
      () => undefined,
    );
  }, [channelId]);

  // A new channel: start over, from what was remembered of it if anything.
  useEffect(() => {
    if (!enabled) return;
    const r = recall(channelId);
    setWin(r?.win ?? emptyWindow());
    setLoading(!r);
    setMembers(r?.members ?? []);
    setReadPos(r?.readPos ?? new Map());
    reloadMembers();
    return () => watchPeople("channel", []);
  }, [channelId, enabled, reloadMembers]);

  const jumpTo = useCallback(
    async (messageId: string): Promise<Message | undefined> => {
      const id = channelId;
      inFlight.current = true;
      try {
        const m = await ok(api.GET("/api/v1/channels/{id}/messages/{mid}", { params: { path: { id, mid: messageId } } }));
        const target = m.root_id ? await ok(api.GET("/api/v1/channels/{id}/messages/{mid}", { params: { path: { id, mid: m.root_id } } })) : m;
        if (winRef.current.items.some((x) => x.id === target.id)) {
          setFocus(target.id);
          setGen((g) => g + 1);
          return m;
        }
        const items = await page(id, { around: target.seq });
        if (current.current !== id) return undefined;
        const first = items[0]?.seq ?? 0;
        const last = items[items.length - 1]?.seq ?? 0;
        const half = pageSize / 2;
        replace(
          windowFrom(items, {
            hasOlder: items.filter((x) => x.seq < target.seq).length >= half && first > 0,
            hasNewer: items.filter((x) => x.seq >= target.seq).length >= pageSize - half && last > 0,
          }),
          target.id,
        );
        return m;
      } catch (e) {
        setError(e);
        setLoading(false);
        return undefined;
      } finally {
        settle(() => void jumpTo(messageId));
      }
    },
    [channelId, replace],
  );

  const loadOlder = useCallback(() => {
    const w = winRef.current;
    const first = w.items[0];
    if (!w.hasOlder || !first || busy.current) return;
    busy.current = true;
    setLoadingOlder(true);
    const id = channelId;
    page(id, { before: first.seq })
      .then((items) => {
        if (current.current === id) setWin((x) => prependOlder(x, items));
      })
      .catch(() => undefined)
      .finally(() => {
        busy.current = false;
        setLoadingOlder(false);
      });
  }, [channelId]);

  const loadNewer = useCallback(() => {
    const w = winRef.current;
    const last = w.items[w.items.length - 1];
    if (!w.hasNewer || !last || busy.current) return;
    busy.current = true;
    const id = channelId;
    page(id, { after: last.seq })
      .then((items) => {
        if (current.current === id) setWin((x) => appendNewer(x, items));
      })
      .catch(() => undefined)
      .finally(() => {
        busy.current = false;
      });
  }, [channelId]);

  // Live events for this channel.
  useEffect(() => {
    if (!enabled) return;
    const off = onChannelEvent(channelId, (ev) => {
      setWin((w) => applyEvent(w, ev, windowList));
      switch (ev.type) {
        case "receipt.updated":
          setReadPos((prev) => {
            const user = ev.payload.user_id;
            const seq = ev.payload.last_read_seq;
            if ((prev.get(user) ?? -1) >= seq) return prev;
            const next = new Map(prev);
            next.set(user, seq);
            return next;
          });
          break;
        case "member.added":
        case "member.removed":
        case "member.updated":
          reloadMembers();
          break;
      }
    });
    const offReload = onReload(() => {
      reloadMembers();
      if (inFlight.current) again.current = true; // the load in flight runs again when it lands
      else if (!winRef.current.hasNewer) void loadPresent();
    });
    return () => {
      off();
      offReload();
    };
  }, [channelId, enabled, reloadMembers, loadPresent]);

  const put = useCallback((m: Message) => setWin((w) => upsert(w, m)), []);

  // Remember the newest part as shown, for the next visit.
  useEffect(() => {
    if (enabled && !loading && !win.hasNewer && win.items.length > 0) remember(channelId, { win, members, readPos });
  }, [enabled, loading, channelId, win, members, readPos]);

  return {
    win,
    gen,
    loading,
    error,
    focus,
    loadingOlder,
    members,
    readPos,
    loadOlder,
    loadNewer,
    jumpTo,
    jumpToPresent: () => {
      setLoading(true);
      void loadPresent();
    },
    put,
    reloadMembers,
    loadPresent,
  };
}
