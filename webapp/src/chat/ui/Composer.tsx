import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { Profile } from "../../api/client";
import { useStore } from "../../app/store";
import { Icon } from "../../components/Icon";
import { ErrorState } from "../../components/States";
import { useT } from "../../i18n";
import { replaceShortcodes } from "../emoji";
import { applyMention, mentionAt, rankMentions, type MentionCandidate, type MentionQuery } from "../mentions";
import { chatSettingsStore, sendTyping } from "../runtime";
import type { Message } from "../window";
import { postMessage } from "./actions";
import { EmojiPicker } from "./EmojiPicker";

// Drafts survive switching channels (not reloads).
const drafts = new Map<string, string>();

const lifetimes = [0, 60, 3600, 86400, 604800] as const;

interface Props {
  channelId: string;
  /** Reply in this thread. */
  rootId?: string;
  label: string;
  /** The channel's people, for @mentions. */
  people: readonly Profile[];
  onPosted: (m: Message) => void;
}

export function Composer({ channelId, rootId, label, people, onPosted }: Props) {
  const t = useT();
  const id = useId();
  const key = rootId ? `${channelId}/${rootId}` : channelId;
  const [text, setText] = useState(() => drafts.get(key) ?? "");
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number>();
  const [picker, setPicker] = useState(false);
  const [lifetime, setLifetime] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const ref = useRef<HTMLTextAreaElement>(null);
  const settings = useStore(chatSettingsStore);
  const selfDestruct = settings.server?.self_destruct_enabled === true;

  useEffect(() => {
    setText(drafts.get(key) ?? "");
    setError(undefined);
  }, [key]);

  const candidates = useMemo<MentionCandidate[]>(
    () => [
      ...people.map((p) => ({ id: p.id, username: p.username, display_name: p.display_name })),
      { id: "@channel", username: "channel", display_name: t("chat.mentionChannel"), everyone: true },
      { id: "@here", username: "here", display_name: t("chat.mentionHere"), everyone: true },
    ],
    [people, t],
  );
  const query: MentionQuery | undefined = mentionAt(text, caret);
  const matches = query && dismissed !== query.start ? rankMentions(candidates, query.query) : [];
  const showList = matches.length > 0;

  const change = (v: string, c: number) => {
    setText(v);
    setCaret(c);
    drafts.set(key, v);
    if (v.trim()) sendTyping(channelId);
  };

  const pick = (c: MentionCandidate) => {
    if (!query) return;
    const next = applyMention(text, caret, query, c.username);
    change(next.text, next.caret);
    setActive(0);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(next.caret, next.caret);
    });
  };

  // Messages go out in the order they were written, even when Enter comes
  // faster than the server answers; the box is free again at once.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const body = replaceShortcodes(text).trim();
    if (!body) return;
    const payload = { text: body, ...(rootId ? { root_id: rootId } : {}), ...(lifetime ? { expires_in_seconds: lifetime } : {}) };
    drafts.delete(key);
    setText("");
    setCaret(0);
    setError(undefined);
    setBusy(true);
    const run = queue.current.then(async () => {
      try {
        onPosted(await postMessage(channelId, payload));
      } catch (err) {
        setError(err);
        // Give the text back so nothing typed is lost.
        setText((cur) => (cur ? cur : body));
      }
    });
    queue.current = run;
    void run.finally(() => {
      if (queue.current === run) setBusy(false);
    });
    ref.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (showList) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setActive((a) => (a + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        const c = matches[Math.min(active, matches.length - 1)];
        if (c) pick(c);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setDismissed(query?.start);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const listId = `${id}-mentions`;
  const optionId = (i: number) => `${id}-opt-${i}`;
  const lifetimeLabel = (s: number) => (s === 0 ? t("chat.lifetimeOff") : t(`chat.lifetime${s}` as "chat.lifetime60"));
  return (
    <form className="composer" onSubmit={send}>
      {showList && (
        <ul id={listId} role="listbox" className="mention-list" aria-label={t("chat.mentionSuggestions")}>
          {matches.map((c, i) => (
            <li
              key={c.id}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(c)}
            >
              <strong>{c.display_name}</strong> <span className="muted">@{c.username}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-box">
        <textarea
          ref={ref}
          aria-label={label}
          placeholder={label}
          rows={Math.min(8, Math.max(1, text.split("\n").length))}
          value={text}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={showList}
          aria-controls={showList ? listId : undefined}
          aria-activedescendant={showList ? optionId(Math.min(active, matches.length - 1)) : undefined}
          onChange={(e) => change(e.target.value, e.target.selectionStart)}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={onKey}
          maxLength={16000}
        />
        <div className="composer-tools">
          <div className="menu-wrap">
            <button type="button" className="msg-action" aria-label={t("chat.insertEmoji")} title={t("chat.insertEmoji")} aria-expanded={picker} onClick={() => setPicker((p) => !p)}>
              <Icon name="smile" />
            </button>
            {picker && (
              <EmojiPicker
                label={t("chat.insertEmoji")}
                align="left"
                onClose={() => setPicker(false)}
                onPick={(emoji) => {
                  const el = ref.current;
                  const at = el?.selectionStart ?? text.length;
                  change(text.slice(0, at) + emoji + text.slice(at), at + emoji.length);
                  setPicker(false);
                  requestAnimationFrame(() => {
                    el?.focus();
                    el?.setSelectionRange(at + emoji.length, at + emoji.length);
                  });
                }}
              />
            )}
          </div>
          {selfDestruct && (
            <label className={`lifetime${lifetime ? " lifetime-on" : ""}`} title={t("chat.lifetime")}>
              <Icon name="timer" />
              <span className="sr-only">{t("chat.lifetime")}</span>
              <select value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))}>
                {lifetimes.map((s) => (
                  <option key={s} value={s}>
                    {lifetimeLabel(s)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="submit" className="btn btn-primary btn-small" disabled={!text.trim()} aria-label={t("chat.send")} aria-busy={busy}>
            <Icon name="send" />
          </button>
        </div>
      </div>
      {error !== undefined && <ErrorState error={error} />}
    </form>
  );
}
