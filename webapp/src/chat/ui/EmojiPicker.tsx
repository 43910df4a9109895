import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { useT } from "../../i18n";
import { quickReactions, searchEmoji } from "../emoji";

interface Props {
  label: string;
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** Which side of its button the picker opens on. */
  align?: "left" | "right";
}

/**
 * A small non-modal picker: a search box and a grid of emoji buttons.
 * Escape or a click elsewhere closes it; focus starts in the search box.
 */
export function EmojiPicker({ label, onPick, onClose, align = "right" }: Props) {
  const t = useT();
  const [q, setQ] = useState("");
  const ref = useRef<HTMLDivElement>(null);
  const id = useId();
  const found = searchEmoji(q);
  useEffect(() => {
    ref.current?.querySelector<HTMLInputElement>("input")?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [onClose]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };
  return (
    <div ref={ref} className={`emoji-picker emoji-picker-${align}`} role="dialog" aria-label={label} onKeyDown={onKey}>
      <label className="sr-only" htmlFor={`${id}-q`}>
        {t("chat.emojiSearch")}
      </label>
      <input
        id={`${id}-q`}
        type="search"
        placeholder={t("chat.emojiSearch")}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && found[0]) {
            e.preventDefault();
            onPick(found[0].char);
          }
        }}
      />
      {q === "" && (
        <div className="emoji-quick">
          {quickReactions.map((e) => (
            <button key={e} type="button" className="emoji-btn" onClick={() => onPick(e)} aria-label={e}>
              {e}
            </button>
          ))}
        </div>
      )}
      <div className="emoji-grid">
        {found.map((e) => (
          <button key={e.name} type="button" className="emoji-btn" title={`:${e.name}:`} aria-label={e.name.replace(/_/g, " ")} onClick={() => onPick(e.char)}>
            {e.char}
          </button>
        ))}
        {found.length === 0 && <p className="muted small">{t("chat.emojiNone")}</p>}
      </div>
    </div>
  );
}
