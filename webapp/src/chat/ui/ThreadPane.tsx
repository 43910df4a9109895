import { useCallback, useEffect, useRef, useState } from "react";
import { api, ok, type Profile, type User } from "../../api/client";
import { Icon } from "../../components/Icon";
import { ErrorState, Loading } from "../../components/States";
import { useT } from "../../i18n";
import { onChannelEvent } from "../runtime";
import type { Channel } from "../unread";
import { applyEvent, type MessageList } from "../events";
import type { Message } from "../window";
import { Composer } from "./Composer";
import { editRequest, lastEditable } from "./focus";
import { MessageItem } from "./MessageItem";

interface Props {
  channel: Channel;
  rootId: string;
  me: User;
  people: readonly Profile[];
  writable: boolean;
  /** Whether I may write here (not in someone else's announcement channel). */
  canPost: boolean;
  onClose: () => void;
}

/** A thread beside the channel: its first message, the replies, a composer, and follow. */
export function ThreadPane({ channel, rootId, me, people, writable, canPost, onClose }: Props) {
  const t = useT();
  const [items, setItems] = useState<Message[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [following, setFollowing] = useState<boolean>();
  const end = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const upsert = useCallback((m: Message) => setItems((prev) => threadList(rootId).upsert(prev, m)), [rootId]);

  useEffect(() => {
    setLoading(true);
    setItems([]);
    const path = { params: { path: { id: channel.id, mid: rootId } } };
    ok(api.GET("/api/v1/channels/{id}/messages/{mid}/thread", { params: { path: { id: channel.id, mid: rootId }, query: { limit: 200 } } })).then(
      (out) => {
        setItems(out.items ?? []);
        setLoading(false);
      },
      (e: unknown) => {
        setError(e);
        setLoading(false);
      },
    );
    ok(api.GET("/api/v1/channels/{id}/messages/{mid}/follow", path)).then(
      (f) => setFollowing((f.user_ids ?? []).includes(me.id)),
      () => undefined,
    );
    heading.current?.focus();
    const thread = threadList(rootId);
    return onChannelEvent(channel.id, (ev) => setItems((prev) => applyEvent(prev, ev, thread)));
  }, [channel.id, rootId, me.id]);

  // New replies scroll into view.
  const count = items.length;
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [count]);

  const toggleFollow = async () => {
    const path = { params: { path: { id: channel.id, mid: rootId } } };
    try {
      const f = await ok(following ? api.DELETE("/api/v1/channels/{id}/messages/{mid}/follow", path) : api.POST("/api/v1/channels/{id}/messages/{mid}/follow", path));
      setFollowing((f.user_ids ?? []).includes(me.id));
    } catch (e) {
      setError(e);
    }
  };

  const root = items[0];
  const replies = items.slice(1);
  return (
    <aside className="side-pane thread-pane" aria-labelledby="thread-title">
      <header className="side-pane-head">
        <h2 id="thread-title" ref={heading} tabIndex={-1}>
          {t("chat.thread")}
        </h2>
        {following !== undefined && (
          <button type="button" className="btn btn-small" aria-pressed={following} onClick={() => void toggleFollow()}>
            {following ? t("chat.following") : t("chat.follow")}
          </button>
        )}
        <button type="button" className="btn btn-ghost btn-icon" aria-label={t("chat.closeThread")} onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <div className="side-pane-body">
        {loading && <Loading />}
        {error !== undefined && <ErrorState error={error} />}
        {root && (
          <MessageItem m={root} channel={channel} me={me} grouped={false} highlight={false} inThread writable={writable} onChanged={upsert} onRemoved={() => undefined} />
        )}
        {root && (
          <p className="thread-count muted small" role="status">
            {t("chat.replies", { count: replies.length })}
          </p>
        )}
        <ol className="thread-replies" aria-label={t("chat.repliesList")}>
          {replies.map((m, i) => (
            <li key={m.id}>
              <MessageItem
                m={m}
                channel={channel}
                me={me}
                grouped={i > 0 && replies[i - 1]?.user_id === m.user_id}
                highlight={false}
                inThread
                writable={writable}
                onChanged={upsert}
                onRemoved={() => undefined}
              />
            </li>
          ))}
        </ol>
        <div ref={end} />
      </div>
      {canPost && root && !root.deleted && (
        <Composer
          channelId={channel.id}
          rootId={rootId}
          label={t("chat.replyLabel")}
          people={people}
          onPosted={upsert}
          onEditLast={() => {
            const m = lastEditable(items, me.id);
            if (!m) return false;
            editRequest.set({ id: m.id, place: "thread" });
            return true;
          }}
        />
      )}
    </aside>
  );
}

/**
 * A thread's messages (its root first, then the replies by seq) as events
 * change them: only the thread's own messages are taken in, and a deleted
 * root stays as a placeholder for its replies.
 */
function threadList(rootId: string): MessageList<Message[]> {
  return {
    upsert(prev, m) {
      if (m.id !== rootId && m.root_id !== rootId) return prev;
      const i = prev.findIndex((x) => x.id === m.id);
      if (i >= 0) {
        const next = prev.slice();
        next[i] = m;
        return next;
      }
      return [...prev, m].sort((a, b) => (a.id === rootId ? -1 : b.id === rootId ? 1 : a.seq - b.seq));
    },
    remove(prev, id, expired) {
      if (!prev.some((m) => m.id === id)) return prev;
      if (id === rootId && !expired) return prev.map((m) => (m.id === rootId ? { ...m, deleted: true, text: "" } : m));
      return prev.filter((m) => m.id !== id);
    },
    patch(prev, id, fn) {
      return prev.some((m) => m.id === id) ? prev.map((m) => (m.id === id ? fn(m) : m)) : prev;
    },
  };
}
