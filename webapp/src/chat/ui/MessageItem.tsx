import { memo, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { api, ok, type User } from "../../api/client";
import { hasRole } from "../../platform/session";
import { href, Link } from "../../base/router";
import { useStore } from "../../base/store";
import { Avatar } from "../../components/Avatar";
import { Confirm } from "../../components/Confirm";
import { Dialog } from "../../components/Dialog";
import { Icon } from "../../components/Icon";
import { ErrorState, Loading } from "../../components/States";
import { useAsync } from "../../components/useAsync";
import { useI18n, useT } from "../../i18n";
import { Markdown } from "../markdown";
import { nameOf, usePeople, usePerson } from "../people";
import type { Channel } from "../unread";
import { toggleReaction, type Message } from "../window";
import { deleteMessage, editMessage, markUnread, messageLink, reactTo, setPinned } from "./actions";
import { Attachments } from "./Attachments";
import { EmojiPicker } from "./EmojiPicker";
import { editRequest, focusComposer } from "./focus";

export interface Receipt {
  /** "read" in a 1:1 conversation, "seen by N" elsewhere. */
  kind: "dm" | "channel";
  readers: readonly string[];
}

interface Props {
  m: Message;
  channel: Channel;
  me: User;
  /** Same author as the message before, shortly after: no name and picture again. */
  grouped: boolean;
  highlight: boolean;
  receipt?: Receipt | undefined;
  /** The first unread message: a "New" line above it. */
  firstUnread?: boolean;
  /** In the thread pane: no reply button or thread summary. */
  inThread?: boolean;
  writable: boolean;
  onOpenThread?: (m: Message) => void;
  /** My change, shown at once (the event confirms it). */
  onChanged: (m: Message) => void;
  onRemoved: (id: string) => void;
}

function useTime() {
  const { locale } = useI18n();
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" });
  return { time: (iso: string) => time.format(new Date(iso)), full: (iso: string) => full.format(new Date(iso)) };
}

export const MessageItem = memo(function MessageItem({ m, channel, me, grouped, highlight, receipt, firstUnread, inThread, writable, onOpenThread, onChanged, onRemoved }: Props) {
  const t = useT();
  const { time, full } = useTime();
  const author = usePerson(m.user_id);
  const [editing, setEditing] = useState(false);
  const [picker, setPicker] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [history, setHistory] = useState(false);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>();
  // ↑ in an empty box asks the newest own message to open for editing.
  const place = inThread ? "thread" : "main";
  const wanted = useStore(editRequest);
  useEffect(() => {
    if (wanted?.id === m.id && wanted.place === place) {
      editRequest.set(undefined);
      if (writable && !m.deleted) setEditing(true);
    }
  }, [wanted, m.id, m.deleted, place, writable]);
  const stopEditing = () => {
    setEditing(false);
    focusComposer(place);
  };
  const mine = m.user_id === me.id;
  const canSeeHistory = mine || hasRole(me, "compliance");
  const name = nameOf(author);

  const run = (p: Promise<unknown>) => p.catch((e: unknown) => setError(e));
  const react = (emoji: string) => {
    setPicker(false);
    // Say what is wanted, not "toggle": a second click that crosses the
    // first one's answer then cannot undo it behind the person's back.
    const on = !(m.reactions ?? []).some((r) => r.emoji === emoji && (r.user_ids ?? []).includes(me.id));
    onChanged({ ...m, reactions: toggleReaction(m.reactions ?? [], emoji, me.id) });
    void run(reactTo(channel.id, m.id, emoji, on).then(onChanged));
  };

  if (m.deleted || m.moderated) {
    const gone = m.moderated ? t("chat.moderatedMessage") : t("chat.deletedMessage");
    return (
      <article className="msg msg-deleted" aria-label={gone}>
        <div className="msg-gutter" />
        <div className="msg-main">
          <p className="muted">{gone}</p>
          {!inThread && m.reply_count > 0 && <ThreadSummary m={m} onOpen={onOpenThread} />}
        </div>
      </article>
    );
  }

  return (
    <>
      {firstUnread && (
        <div className="msg-divider" role="separator" aria-label={t("chat.newMessages")}>
          <span>{t("chat.newMessages")}</span>
        </div>
      )}
      <article
        className={`msg${grouped ? " msg-grouped" : ""}${highlight ? " msg-highlight" : ""}${m.pinned_at ? " msg-pinned" : ""}`}
        aria-label={t("chat.messageFrom", { name, time: time(m.created_at) })}
        data-message-id={m.id}
      >
        <div className="msg-gutter">
          {grouped ? (
            <span className="msg-time-hover" title={full(m.created_at)}>
              {time(m.created_at)}
            </span>
          ) : (
            author && <Avatar user={author} size="md" presence />
          )}
        </div>
        <div className="msg-main">
          {!grouped && (
            <header className="msg-head">
              <Link to={href("/people/:user", { user: author?.username ?? m.user_id })} className="msg-author">
                {name}
              </Link>
              <time dateTime={m.created_at} title={full(m.created_at)}>
                {time(m.created_at)}
              </time>
              {m.pinned_at && <span className="msg-flag">{t("chat.pinned")}</span>}
            </header>
          )}
          {editing ? (
            <EditBox
              initial={m.text}
              onCancel={stopEditing}
              onSave={async (text) => {
                try {
                  const next = await editMessage(channel.id, m.id, text);
                  onChanged(next);
                  stopEditing();
                } catch (e) {
                  setError(e);
                }
              }}
            />
          ) : (
            m.text && <Markdown text={m.text} me={me.username} />
          )}
          {(m.attachments?.length ?? 0) > 0 && <Attachments items={m.attachments ?? []} />}
          {m.edited_at && !editing && (
            <span className="msg-edited">
              {canSeeHistory ? (
                <button type="button" className="btn-link" onClick={() => setHistory(true)} title={full(m.edited_at)}>
                  {t("chat.edited")}
                  <span className="sr-only">: {t("chat.showHistory")}</span>
                </button>
              ) : (
                <span title={full(m.edited_at)}>{t("chat.edited")}</span>
              )}
            </span>
          )}
          {m.expires_at && (
            <p className="msg-expires small">
              <Icon name="timer" /> {t("chat.disappearsAt", { time: full(m.expires_at) })}
            </p>
          )}
          {(m.reactions?.length ?? 0) > 0 && <Reactions m={m} me={me} onToggle={react} disabled={!writable} />}
          {!inThread && m.reply_count > 0 && <ThreadSummary m={m} onOpen={onOpenThread} />}
          {receipt && <ReceiptLine receipt={receipt} />}
          {error !== undefined && <ErrorState error={error} retry={() => setError(undefined)} />}
        </div>
        {writable && !editing && (
          <div className={`msg-actions${picker ? " msg-actions-open" : ""}`} role="toolbar" aria-label={t("chat.messageActions")}>
            <button type="button" className="msg-action" aria-label={t("chat.addReaction")} title={t("chat.addReaction")} onClick={() => setPicker((p) => !p)}>
              <Icon name="smile" />
            </button>
            {!inThread && onOpenThread && (
              <button type="button" className="msg-action" aria-label={t("chat.replyInThread")} title={t("chat.replyInThread")} onClick={() => onOpenThread(m)}>
                <Icon name="reply" />
              </button>
            )}
            <button
              type="button"
              className="msg-action"
              aria-label={m.pinned_at ? t("chat.unpin") : t("chat.pin")}
              title={m.pinned_at ? t("chat.unpin") : t("chat.pin")}
              onClick={() => void run(setPinned(channel.id, m.id, !m.pinned_at).then(onChanged))}
            >
              <Icon name="pin" />
            </button>
            <button
              type="button"
              className="msg-action"
              aria-label={copied ? t("common.copied") : t("chat.copyLink")}
              title={t("chat.copyLink")}
              onClick={() => {
                void navigator.clipboard?.writeText(messageLink(channel.id, m.id)).then(() => setCopied(true));
              }}
            >
              <Icon name="link" />
            </button>
            {!mine && !inThread && (
              <button type="button" className="msg-action" aria-label={t("chat.markUnread")} title={t("chat.markUnread")} onClick={() => void run(markUnread(channel.id, m.seq))}>
                <Icon name="unread" />
              </button>
            )}
            {mine && (
              <>
                <button type="button" className="msg-action" aria-label={t("chat.edit")} title={t("chat.edit")} onClick={() => setEditing(true)}>
                  <Icon name="edit" />
                </button>
                <button type="button" className="msg-action" aria-label={t("chat.delete")} title={t("chat.delete")} onClick={() => setConfirmDelete(true)}>
                  <Icon name="trash" />
                </button>
              </>
            )}
            {picker && <EmojiPicker label={t("chat.addReaction")} onPick={react} onClose={() => setPicker(false)} />}
          </div>
        )}
      </article>
      <Confirm
        title={t("chat.deleteTitle")}
        text={t("chat.deleteText")}
        confirm={t("chat.delete")}
        open={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => void run(deleteMessage(channel.id, m.id).then(() => onRemoved(m.id)))}
      />
      {history && <HistoryDialog channel={channel.id} m={m} onClose={() => setHistory(false)} />}
    </>
  );
});

function EditBox({ initial, onSave, onCancel }: { initial: string; onSave: (text: string) => Promise<void>; onCancel: () => void }) {
  const t = useT();
  const [text, setText] = useState(initial);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el) {
      el.focus();
      el.setSelectionRange(el.value.length, el.value.length);
    }
  }, []);
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
    } else if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      void onSave(text);
    }
  };
  return (
    <div className="msg-edit">
      <textarea ref={ref} aria-label={t("chat.editLabel")} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKey} rows={Math.min(8, text.split("\n").length + 1)} />
      <div className="actions">
        <button type="button" className="btn btn-small" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="button" className="btn btn-small btn-primary" onClick={() => void onSave(text)}>
          {t("common.save")}
        </button>
      </div>
    </div>
  );
}

function Reactions({ m, me, onToggle, disabled }: { m: Message; me: User; onToggle: (emoji: string) => void; disabled: boolean }) {
  const t = useT();
  const ids = (m.reactions ?? []).flatMap((r) => r.user_ids ?? []);
  const people = usePeople(ids);
  return (
    <ul className="reactions" aria-label={t("chat.reactions")}>
      {(m.reactions ?? []).map((r) => {
        const who = (r.user_ids ?? []).map((u) => (u === me.id ? t("chat.you") : nameOf(people.get(u))));
        const mineToo = (r.user_ids ?? []).includes(me.id);
        return (
          <li key={r.emoji}>
            <button
              type="button"
              className={`reaction${mineToo ? " reaction-mine" : ""}`}
              aria-pressed={mineToo}
              aria-label={t("chat.reactionLabel", { emoji: r.emoji, count: r.count, names: who.join(", ") })}
              title={who.join(", ")}
              disabled={disabled}
              onClick={() => onToggle(r.emoji)}
            >
              <span className="reaction-emoji">{r.emoji}</span> {r.count}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function ThreadSummary({ m, onOpen }: { m: Message; onOpen: ((m: Message) => void) | undefined }) {
  const t = useT();
  const { time } = useTime();
  return (
    <button type="button" className="thread-summary btn-link" onClick={() => onOpen?.(m)}>
      {t("chat.replies", { count: m.reply_count })}
      {m.last_reply_at && <span className="muted"> · {t("chat.lastReply", { time: time(m.last_reply_at) })}</span>}
    </button>
  );
}

function ReceiptLine({ receipt }: { receipt: Receipt }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const people = usePeople(receipt.readers);
  if (receipt.readers.length === 0) return null;
  if (receipt.kind === "dm") return <p className="receipt small">{t("chat.read")}</p>;
  const names = receipt.readers.map((u) => nameOf(people.get(u)));
  return (
    <div className="receipt small">
      <button type="button" className="btn-link" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {t("chat.seenBy", { count: receipt.readers.length })}
      </button>
      {open && (
        <ul className="receipt-names" aria-label={t("chat.seenByNames")}>
          {names.map((n, i) => (
            <li key={receipt.readers[i]}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function HistoryDialog({ channel, m, onClose }: { channel: string; m: Message; onClose: () => void }) {
  const t = useT();
  const { dateTime } = useI18n();
  const versions = useAsync(
    async (signal) => (await ok(api.GET("/api/v1/channels/{id}/messages/{mid}/versions", { params: { path: { id: channel, mid: m.id } }, signal }))).items ?? [],
    [channel, m.id],
  );
  return (
    <Dialog title={t("chat.historyTitle")} open onClose={onClose}>
      {versions.loading && <Loading />}
      {versions.error !== undefined && <ErrorState error={versions.error} />}
      <ol className="history" aria-label={t("chat.historyTitle")}>
        <li>
          <p className="muted small">
            {t("chat.currentVersion")} · {dateTime(m.edited_at ?? m.created_at)}
          </p>
          <Markdown text={m.text} />
        </li>
        {[...(versions.data ?? [])].reverse().map((v) => (
          <li key={v.version}>
            <p className="muted small">
              {t("chat.version", { n: v.version })} · {dateTime(v.created_at)}
            </p>
            <Markdown text={v.text} />
          </li>
        ))}
      </ol>
    </Dialog>
  );
}
