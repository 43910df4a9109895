import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import type { Profile } from "../../api/client";
import { useStore } from "../../base/store";
import { Icon } from "../../components/Icon";
import { ErrorState } from "../../components/States";
import { useI18n, useT } from "../../i18n";
import { replaceShortcodes } from "../emoji";
import { applyMention, mentionAt, rankMentions, type MentionCandidate, type MentionQuery } from "../mentions";
import { chatSettingsStore, sendTyping } from "../runtime";
import type { Message } from "../window";
import { changeUploads, drafts, noUploads, pendingUploads, type PendingUpload } from "../unsent";
import { formatDuration, formatSize, uploadFile } from "../uploads";
import { newClientId, postMessage, worthRetrying } from "./actions";
import { EmojiPicker } from "./EmojiPicker";

const lifetimes = [0, 60, 3600, 86400, 604800] as const;

interface Props {
  channelId: string;
  /** Reply in this thread. */
  rootId?: string;
  label: string;
  /** The channel's people, for @mentions. */
  people: readonly Profile[];
  onPosted: (m: Message) => void;
  /** Set by the composer: the channel view hands it files dropped anywhere on it. */
  dropTarget?: RefObject<((files: File[]) => void) | null>;
  /** ↑ in the empty box: open my last message for editing; false when there is none. */
  onEditLast?: () => boolean;
}

let uploadKeys = 0;

/** Files being uploaded for the next message in one conversation: progress, cancel, and the finished ones to send. */
function useUploads(convo: string) {
  const items = useStore(pendingUploads).get(convo) ?? noUploads;
  const update = (key: number, fn: (p: PendingUpload) => PendingUpload) => changeUploads(convo, (prev) => prev.map((p) => (p.key === key ? fn(p) : p)));
  const remove = (key: number) => changeUploads(convo, (prev) => prev.filter((p) => p.key !== key));
  const add = (blob: Blob, name: string, voice?: { durationMs: number }) => {
    const key = ++uploadKeys;
    const up = uploadFile(blob, name, { ...(voice ? { voice: true, durationMs: voice.durationMs } : {}), onProgress: (f) => update(key, (p) => ({ ...p, progress: f })) });
    changeUploads(convo, (prev) => [...prev, { key, name, size: blob.size, voice: !!voice, progress: 0, cancel: up.cancel }]);
    up.done.then(
      (file) => update(key, (p) => ({ ...p, file, progress: 1 })),
      (error: unknown) => {
        if (error instanceof DOMException && error.name === "AbortError") remove(key);
        else update(key, (p) => ({ ...p, error }));
      },
    );
  };
  return { items, add, remove, clear: () => changeUploads(convo, () => noUploads) };
}

/** Records a voice message with the browser's MediaRecorder. */
function useRecorder(onDone: (blob: Blob, durationMs: number) => void) {
  const [recording, setRecording] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<unknown>();
  const rec = useRef<{ r: MediaRecorder; started: number; timer: ReturnType<typeof setInterval>; keep: boolean } | null>(null);
  const start = async () => {
    setError(undefined);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const r = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      r.ondataavailable = (e) => chunks.push(e.data);
      const started = Date.now();
      const timer = setInterval(() => setElapsed(Date.now() - started), 250);
      rec.current = { r, started, timer, keep: true };
      r.onstop = () => {
        const cur = rec.current;
        clearInterval(timer);
        for (const tr of stream.getTracks()) tr.stop();
        setRecording(false);
        rec.current = null;
        if (cur?.keep && chunks.length) onDone(new Blob(chunks, { type: r.mimeType || "audio/webm" }), Date.now() - started);
      };
      r.start();
      setElapsed(0);
      setRecording(true);
    } catch (e) {
      setError(e);
    }
  };
  const stop = (keep: boolean) => {
    if (!rec.current) return;
    rec.current.keep = keep;
    rec.current.r.stop();
  };
  return { recording, elapsed, error, start, stop };
}

export function Composer({ channelId, rootId, label, people, onPosted, dropTarget, onEditLast }: Props) {
  const t = useT();
  const { locale } = useI18n();
  const key = rootId ? `${channelId}/${rootId}` : channelId;
  const uploads = useUploads(key);
  const fileInput = useRef<HTMLInputElement>(null);
  const recorder = useRecorder((blob, ms) => uploads.add(blob, `voice-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.${blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm"}`, { durationMs: ms }));
  useEffect(() => {
    if (!dropTarget) return;
    dropTarget.current = (files) => {
      for (const f of files) uploads.add(f, f.name);
    };
    return () => {
      dropTarget.current = null;
    };
  });
  const id = useId();
  const [text, setText] = useState(() => drafts.get(key) ?? "");
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number>();
  const [picker, setPicker] = useState(false);
  const [lifetime, setLifetime] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // Posts without an answer for more than a second: the box says so
  // while the retries run, instead of the message seeming to vanish.
  const [waiting, setWaiting] = useState<string[]>([]);
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
  const uploading = uploads.items.some((u) => !u.file && !u.error);
  const canSend = (text.trim() !== "" || uploads.items.some((u) => u.file)) && !uploading;
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
  // The id of a post that got no answer: sending the same again reuses
  // it, so if the first one did arrive, the server does not post twice.
  const unanswered = useRef<{ payload: string; clientId: string } | undefined>(undefined);
  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const body = replaceShortcodes(text).trim();
    const files = uploads.items.filter((u) => u.file).map((u) => u.file?.id ?? "");
    if ((!body && files.length === 0) || uploading) return;
    const payload = {
      text: body,
      ...(files.length ? { file_ids: files } : {}),
      ...(rootId ? { root_id: rootId } : {}),
      ...(lifetime ? { expires_in_seconds: lifetime } : {}),
    };
    uploads.clear();
    drafts.delete(key);
    // Self-destruct is chosen per message: the next one is an ordinary
    // message again unless the person chooses otherwise.
    setLifetime(0);
    setText("");
    setCaret(0);
    setError(undefined);
    setBusy(true);
    const same = JSON.stringify([channelId, payload]);
    const clientId = unanswered.current?.payload === same ? unanswered.current.clientId : newClientId();
    const slow = setTimeout(() => setWaiting((w) => [...w, clientId]), 1000);
    const run = queue.current.then(async () => {
      try {
        onPosted(await postMessage(channelId, payload, clientId));
        if (unanswered.current?.clientId === clientId) unanswered.current = undefined;
      } catch (err) {
        if (worthRetrying(err)) unanswered.current = { payload: same, clientId };
        setError(err);
        // Give the text back so nothing typed is lost: into the box, and
        // into the draft, for when the person has moved on to another
        // conversation meanwhile (this composer is gone then) and returns.
        if (!drafts.get(key)) drafts.set(key, body);
        setText((cur) => (cur ? cur : body));
        // ...with its lifetime, so that sending it again is the same message.
        if (payload.expires_in_seconds) setLifetime((cur) => cur || (payload.expires_in_seconds ?? 0));
      }
    });
    queue.current = run;
    void run.finally(() => {
      clearTimeout(slow);
      setWaiting((w) => w.filter((c) => c !== clientId));
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
    if (e.key === "ArrowUp" && !e.altKey && !e.shiftKey && !e.ctrlKey && !e.metaKey && text === "" && onEditLast?.()) {
      e.preventDefault();
      return;
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
      {uploads.items.length > 0 && (
        <ul className="uploads" aria-label={t("files.uploads")}>
          {uploads.items.map((u) => (
            <li key={u.key} className={`upload${u.error ? " upload-failed" : ""}`}>
              <span className="upload-name">
                {u.voice ? t("files.voiceMessageShort") : u.name} <span className="muted small">{formatSize(u.size, locale)}</span>
              </span>
              {!u.file && !u.error && <progress max={1} value={u.progress} aria-label={t("files.uploading", { name: u.name })} />}
              {u.file && <span className="small upload-done">{t("files.ready")}</span>}
              {u.error !== undefined && <ErrorState error={u.error} />}
              <button
                type="button"
                className="btn btn-ghost btn-icon"
                aria-label={u.file || u.error ? t("files.removeUpload", { name: u.name }) : t("files.cancelUpload", { name: u.name })}
                onClick={() => {
                  if (!u.file && !u.error) u.cancel();
                  uploads.remove(u.key);
                }}
              >
                <Icon name="close" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {recorder.recording && (
        <div className="recording" role="status">
          <span className="rec-dot" aria-hidden="true" /> {t("files.recording", { time: formatDuration(recorder.elapsed) })}
          <button type="button" className="btn btn-small" onClick={() => recorder.stop(true)}>
            <Icon name="stop" /> {t("files.stopRecording")}
          </button>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => recorder.stop(false)}>
            {t("common.cancel")}
          </button>
        </div>
      )}
      {recorder.error !== undefined && <p className="field-error">{t("files.micUnavailable")}</p>}
      {waiting.length > 0 && (
        <p className="small muted composer-sending" role="status">
          {t("chat.sending")}
        </p>
      )}
      <div className="composer-box">
        <textarea
          ref={ref}
          aria-label={label}
          placeholder={label}
          data-autofocus={rootId ? undefined : true}
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
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            onChange={(e) => {
              for (const f of Array.from(e.target.files ?? [])) uploads.add(f, f.name);
              e.target.value = "";
            }}
          />
          <button type="button" className="msg-action" aria-label={t("files.attach")} title={t("files.attach")} onClick={() => fileInput.current?.click()}>
            <Icon name="attach" />
          </button>
          {typeof MediaRecorder !== "undefined" && (
            <button
              type="button"
              className="msg-action"
              aria-label={t("files.recordVoice")}
              title={t("files.recordVoice")}
              disabled={recorder.recording}
              onClick={() => void recorder.start()}
            >
              <Icon name="mic" />
            </button>
          )}
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
          <button type="submit" className="btn btn-primary btn-small" disabled={!canSend} aria-label={t("chat.send")} aria-busy={busy}>
            <Icon name="send" />
          </button>
        </div>
      </div>
      {error !== undefined && <ErrorState error={error} />}
    </form>
  );
}
