import { useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, ok, type Profile, type User } from "../../api/client";
import { href, navigate, useLocation } from "../../base/router";
import { useStore } from "../../base/store";
import { useScreenTitle } from "../../base/title";
import { rememberPlace } from "../../platform/session";
import { Icon } from "../../components/Icon";
import { ErrorState, Loading } from "../../components/States";
import { useAsync } from "../../components/useAsync";
import { useAction } from "../../components/useAction";
import { useT } from "../../i18n";
import { peopleStore } from "../people";
import { channelsStore, chatSettingsStore, markRead, refreshChannel, typingStore, viewingStore } from "../runtime";
import { isDirect, type Channel } from "../unread";
import type { Message } from "../window";
import { Composer } from "./Composer";
import { MessageList } from "./MessageList";
import { channelLabel } from "./names";
import { editRequest, focusComposer, lastEditable } from "./focus";
import { DetailsPane, PinsPane } from "./Panes";
import { ThreadPane } from "./ThreadPane";
import { useConversation } from "./useConversation";
import { CallButton, LiveCallBar } from "../../calls/CallUI";

/** /c/:id — a channel or conversation; ?m=<message> opens it at that message. */
export function ChannelScreen({ id, user }: { id: string; user: User }) {
  const t = useT();
  const known = useStore(channelsStore).byId.get(id);
  const fetched = useAsync((signal) => ok(api.GET("/api/v1/channels/{id}", { params: { path: { id } }, signal })), [id]);
  const channel = known ?? fetched.data;

  if (!channel) {
    if (fetched.error !== undefined) {
      const missing = fetched.error instanceof ApiError && (fetched.error.status === 404 || fetched.error.status === 403);
      return (
        <div className="screen">
          <h1 tabIndex={-1}>{missing ? t("chat.notFoundTitle") : t("chat.channel")}</h1>
          {missing ? <p>{t("chat.notFoundText")}</p> : <ErrorState error={fetched.error} retry={fetched.reload} />}
        </div>
      );
    }
    return <Loading />;
  }
  if (!channel.membership) return <JoinPreview channel={channel} />;
  return <ChannelView key={channel.id} channel={channel} user={user} />;
}

function JoinPreview({ channel }: { channel: Channel }) {
  const t = useT();
  const action = useAction();
  const join = () =>
    void action.run(async () => {
      await ok(api.POST("/api/v1/channels/{id}/join", { params: { path: { id: channel.id } } }));
      await refreshChannel(channel.id);
    });
  return (
    <div className="screen">
      <h1 tabIndex={-1}>#{channel.name}</h1>
      {channel.purpose && <p className="lead">{channel.purpose}</p>}
      <p>{t("chat.memberCount", { count: channel.member_count })}</p>
      {action.error !== undefined && <ErrorState error={action.error} />}
      {channel.archived_at ? (
        <p className="muted">{t("chat.archivedNote")}</p>
      ) : (
        <button type="button" className="btn btn-primary" disabled={action.busy} onClick={join}>
          {t("chat.join")}
        </button>
      )}
    </div>
  );
}

function TypingLine({ channelId, people }: { channelId: string; people: ReadonlyMap<string, Profile> }) {
  const t = useT();
  const typing = useStore(typingStore).get(channelId);
  const names = [...(typing?.keys() ?? [])].map((u) => people.get(u)?.display_name ?? "…");
  let text = "";
  if (names.length === 1) text = t("chat.typingOne", { name: names[0] ?? "" });
  else if (names.length === 2) text = t("chat.typingTwo", { a: names[0] ?? "", b: names[1] ?? "" });
  else if (names.length > 2) text = t("chat.typingMany");
  return (
    <div className="typing" aria-live="polite">
      {text}
    </div>
  );
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === "visible");
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", on);
    return () => document.removeEventListener("visibilitychange", on);
  }, []);
  return visible;
}

function ChannelView({ channel, user }: { channel: Channel; user: User }) {
  const t = useT();
  const { query } = useLocation();
  const linked = query.get("m") ?? undefined;
  const threadParam = query.get("thread") ?? undefined;
  const conv = useConversation(channel.id, true);
  const people = useStore(peopleStore);
  const settings = useStore(chatSettingsStore);
  const [pane, setPane] = useState<"details" | "pins" | null>(null);
  const dropTarget = useRef<((files: File[]) => void) | null>(null);
  const [dragging, setDragging] = useState(false);
  const [atBottom, setAtBottom] = useState(true);
  const visible = usePageVisible();
  // Where I had read to when I came in: the "New" line stays there while I am here.
  const [unreadFrom] = useState(() => channel.membership?.last_read_seq ?? 0);

  const label = channelLabel(channel, user.id, people, t);
  useScreenTitle(label);
  useEffect(() => rememberPlace(user, href("/c/:id", { id: channel.id })), [user, channel.id]);
  const archived = !!channel.archived_at;
  const announcementOnly = channel.announcement && channel.membership?.role !== "admin";
  const writable = !archived;
  const canPost = writable && !announcementOnly;
  const receiptsOn = settings.mine?.read_receipts_effective === true;
  const thread = threadParam;

  const openThread = (root: string | undefined) => {
    const q = new URLSearchParams();
    if (root) q.set("thread", root);
    const s = q.toString();
    navigate(href("/c/:id", { id: channel.id }) + (s ? `?${s}` : ""), { replace: true });
    if (root) setPane(null);
  };

  // Open at the newest messages, or at a linked one (?m=).
  useEffect(() => {
    viewingStore.set(channel.id);
    return () => viewingStore.set(undefined);
  }, [channel.id]);
  // The newest messages first, unless the address points at one (?m=):
  // then the channel opens around it (in its thread, for a reply).
  const linkedAtStart = useRef(linked);
  useEffect(() => {
    if (!linkedAtStart.current) void conv.loadPresent();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [channel.id]);
  useEffect(() => {
    if (!linked) return;
    void conv.jumpTo(linked).then((m) => {
      if (m?.root_id) openThread(m.root_id);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [channel.id, linked]);

  // Seen on screen: at the bottom of the present, with the page in front.
  // Also once the sidebar's list has it: a channel opened by its address
  // on a fresh load shows before that list arrives, and was never marked read.
  const lastSeq = channel.last_seq;
  const listed = useStore(channelsStore).byId.has(channel.id);
  useEffect(() => {
    if (atBottom && visible && !conv.loading && !conv.win.hasNewer) void markRead(channel.id, lastSeq);
  }, [atBottom, visible, conv.loading, conv.win.hasNewer, channel.id, lastSeq, listed]);

  // Keyboard: Esc closes the thread, else the side pane (not when
  // something smaller took it: a dialog, a menu, a list of suggestions).
  const closeAll = useRef<() => boolean>(() => false);
  closeAll.current = () => {
    if (thread) openThread(undefined);
    else if (pane) setPane(null);
    else return false;
    focusComposer("main");
    return true;
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented || document.querySelector("dialog[open]")) return;
      if (closeAll.current()) e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  // Arriving here (a link, the quick switcher, Alt+↓) starts in the text
  // box, unless focus is somewhere on purpose already.
  useEffect(() => {
    const a = document.activeElement;
    if (!a || a === document.body) focusComposer("main");
  }, [channel.id]);
  const editLast = () => {
    const m = lastEditable(conv.win.hasNewer ? [] : conv.win.items, user.id);
    if (!m) return false;
    editRequest.set({ id: m.id, place: "main" });
    return true;
  };

  const memberPeople = useMemo(() => conv.members.map((m) => people.get(m.user_id)).filter((p): p is Profile => !!p && p.id !== user.id), [conv.members, people, user.id]);
  const posted = (m: Message) => conv.put(m);
  const jump = (id: string) => void conv.jumpTo(id).then((m) => m?.root_id && openThread(m.root_id));

  return (
    <div className="chat">
      <div
        className="chat-main"
        onDragOver={(e) => {
          if (!canPost || !e.dataTransfer.types.includes("Files")) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(e) => {
          setDragging(false);
          if (!canPost || e.dataTransfer.files.length === 0) return;
          e.preventDefault();
          dropTarget.current?.(Array.from(e.dataTransfer.files));
        }}
      >
        {dragging && (
          <div className="drop-overlay" aria-hidden="true">
            {t("files.dropHere")}
          </div>
        )}
        <header className="chat-head">
          <div className="chat-title">
            <h1 tabIndex={-1}>{label}</h1>
            {channel.topic && <p className="chat-topic muted">{channel.topic}</p>}
          </div>
          {channel.kind === "private" && <span className="badge">{t("chat.private")}</span>}
          {channel.announcement && <span className="badge">{t("chat.announcement")}</span>}
          {archived && <span className="badge badge-warn">{t("chat.archived")}</span>}
          <CallButton channel={channel} />
          <button type="button" className="btn btn-small" aria-pressed={pane === "pins"} onClick={() => setPane(pane === "pins" ? null : "pins")}>
            <Icon name="pin" /> {t("chat.pinnedTitle")}
          </button>
          <button type="button" className="btn btn-small" aria-pressed={pane === "details"} onClick={() => setPane(pane === "details" ? null : "details")}>
            <Icon name="members" /> {isDirect(channel) ? t("chat.details") : t("chat.membersCount", { count: channel.member_count })}
          </button>
        </header>
        <LiveCallBar channel={channel} />
        {conv.error !== undefined && <ErrorState error={conv.error} retry={() => void conv.loadPresent()} />}
        {conv.loading && conv.win.items.length === 0 ? (
          <div className="message-list-wrap">
            <Loading />
          </div>
        ) : (
          <MessageList
            conv={conv}
            channel={channel}
            title={label}
            me={user}
            writable={writable}
            receiptsOn={receiptsOn}
            unreadFrom={unreadFrom}
            onOpenThread={(m) => openThread(m.id)}
            onAtBottom={setAtBottom}
          />
        )}
        {(conv.win.hasNewer || !atBottom) && (
          <button type="button" className="btn btn-small jump-present" onClick={conv.win.hasNewer ? conv.jumpToPresent : () => void conv.jumpTo(conv.win.items[conv.win.items.length - 1]?.id ?? "")}>
            {t("chat.jumpToPresent")}
          </button>
        )}
        <TypingLine channelId={channel.id} people={people} />
        {archived ? (
          <p className="composer-note">{t("chat.archivedNote")}</p>
        ) : announcementOnly ? (
          <p className="composer-note">{t("chat.announcementNote")}</p>
        ) : (
          canPost && <Composer channelId={channel.id} label={t("chat.messageTo", { name: label })} people={memberPeople} onPosted={posted} dropTarget={dropTarget} onEditLast={editLast} />
        )}
      </div>
      {thread && <ThreadPane channel={channel} rootId={thread} me={user} people={memberPeople} writable={writable} canPost={canPost} onClose={() => openThread(undefined)} />}
      {!thread && pane === "details" && <DetailsPane channel={channel} me={user} members={conv.members} people={people} onClose={() => setPane(null)} />}
      {!thread && pane === "pins" && <PinsPane channel={channel} people={people} onJump={jump} onClose={() => setPane(null)} />}
    </div>
  );
}
