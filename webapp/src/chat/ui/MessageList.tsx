import { useCallback, useMemo } from "react";
import { Virtuoso } from "react-virtuoso";
import type { User } from "../../api/client";
import { Loading } from "../../components/States";
import { useT } from "../../i18n";
import type { Channel } from "../unread";
import { lastOwn, readersOf, type Message } from "../window";
import { MessageItem, type Receipt } from "./MessageItem";
import type { Conversation } from "./useConversation";

interface Props {
  conv: Conversation;
  channel: Channel;
  title: string;
  me: User;
  writable: boolean;
  /** Show read receipts (I share mine). */
  receiptsOn: boolean;
  /** My read position when I opened the channel: the "New" line goes after it. */
  unreadFrom: number;
  onOpenThread: (m: Message) => void;
  onAtBottom: (atBottom: boolean) => void;
}

const groupWindowMs = 5 * 60_000;

function grouped(prev: Message | undefined, m: Message): boolean {
  if (!prev || prev.user_id !== m.user_id || prev.deleted || m.deleted) return false;
  return Date.parse(m.created_at) - Date.parse(prev.created_at) < groupWindowMs;
}

/**
 * The channel's messages in a virtual list: only what is on screen (plus
 * a margin) is in the page, however long the history. Scrolling to the
 * top loads older pages; it stays at the bottom while new messages come
 * in if it was there.
 */
export function MessageList({ conv, channel, title, me, writable, receiptsOn, unreadFrom, onOpenThread, onAtBottom }: Props) {
  const t = useT();
  const { win } = conv;
  const items = win.items;
  const focusIndex = conv.focus ? items.findIndex((m) => m.id === conv.focus) : -1;
  const own = lastOwn(win, me.id);
  const receipt: Receipt | undefined = useMemo(() => {
    if (!receiptsOn || !own) return undefined;
    return { kind: channel.kind === "dm" ? "dm" : "channel", readers: readersOf(own, conv.readPos) };
  }, [receiptsOn, own, channel.kind, conv.readPos]);
  const firstUnreadId = useMemo(() => items.find((m) => m.seq > unreadFrom && m.user_id !== me.id)?.id, [items, unreadFrom, me.id]);
  const put = conv.put;
  const removed = useCallback(() => undefined, []);

  const Header = useCallback(
    () =>
      conv.loadingOlder ? (
        <Loading />
      ) : !win.hasOlder ? (
        <div className="channel-start">
          <p className="channel-start-title">{title}</p>
          <p className="muted">{t("chat.beginning")}</p>
        </div>
      ) : (
        <div className="list-spacer" />
      ),
    [conv.loadingOlder, win.hasOlder, title, t],
  );

  return (
    <div className="message-list-wrap">
      <Virtuoso
        key={conv.gen}
        className="message-list"
        tabIndex={0}
        aria-label={t("chat.messagesIn", { name: title })}
        data={items}
        firstItemIndex={win.firstIndex}
        initialTopMostItemIndex={focusIndex >= 0 ? { index: focusIndex, align: "center" } : { index: Math.max(0, items.length - 1), align: "end" }}
        computeItemKey={(_, m) => m.id}
        increaseViewportBy={{ top: 600, bottom: 600 }}
        startReached={conv.loadOlder}
        endReached={conv.loadNewer}
        followOutput={(atBottom) => (atBottom && !win.hasNewer ? "auto" : false)}
        atBottomThreshold={60}
        atBottomStateChange={onAtBottom}
        components={{ Header }}
        itemContent={(index, m) => {
          const prev = items[index - win.firstIndex - 1];
          return (
            <MessageItem
              m={m}
              channel={channel}
              me={me}
              grouped={grouped(prev, m) && m.id !== firstUnreadId}
              highlight={m.id === conv.focus}
              receipt={own && m.id === own.id ? receipt : undefined}
              firstUnread={m.id === firstUnreadId}
              writable={writable}
              onOpenThread={onOpenThread}
              onChanged={put}
              onRemoved={removed}
            />
          );
        }}
      />
    </div>
  );
}
