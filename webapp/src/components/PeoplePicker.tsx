import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { api, ok, type Profile } from "../api/client";
import { useT } from "../i18n";
import { Avatar } from "./Avatar";
import { useAsync, useDebounced } from "./useAsync";

interface Props {
  label: string;
  /** Called with the chosen colleague; the box then clears for the next pick. */
  onPick: (person: Profile) => void;
  /** User ids not to offer (already picked, or oneself). */
  exclude?: readonly string[];
  placeholder?: string;
  department?: string;
}

/**
 * Finds a colleague in the company directory by name, username, title or
 * department: a combobox (ARIA 1.2 pattern) with arrow keys, Enter and
 * Escape. Used to filter the audit log by person now, and to start DMs
 * and invite to channels with chat.
 */
export function PeoplePicker({ label, onPick, exclude = [], placeholder, department }: Props) {
  const t = useT();
  const id = useId();
  const listId = `${id}-list`;
  const [q, setQ] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const query = useDebounced(q.trim(), 200);
  const inputRef = useRef<HTMLInputElement>(null);

  const found = useAsync(
    async (signal) => {
      if (!query) return [];
      const page = await ok(
        api.GET("/api/v1/users", { params: { query: { q: query, limit: 8, ...(department ? { department } : {}) } }, signal }),
      );
      return page.items ?? [];
    },
    [query, department],
  );
  const items = (found.data ?? []).filter((p) => !exclude.includes(p.id));
  useEffect(() => setActive(0), [query]);

  const pick = (p: Profile) => {
    onPick(p);
    setQ("");
    setOpen(false);
    inputRef.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(items.length - 1, 0)));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === "Enter" && open && items[active]) {
      e.preventDefault();
      pick(items[active]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
    }
  };

  const showList = open && query !== "";
  const optionId = (i: number) => `${id}-opt-${i}`;
  return (
    <div className="picker">
      <label htmlFor={`${id}-input`}>{label}</label>
      <input
        ref={inputRef}
        id={`${id}-input`}
        type="search"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={showList}
        aria-controls={listId}
        aria-activedescendant={showList && items[active] ? optionId(active) : undefined}
        placeholder={placeholder ?? t("picker.placeholder")}
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setOpen(true);
        }}
        onKeyDown={onKey}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
      />
      <ul id={listId} role="listbox" aria-label={label} className="picker-list" hidden={!showList}>
        {items.map((p, i) => (
          <li
            key={p.id}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            className={i === active ? "active" : undefined}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(p)}
          >
            <Avatar user={p} size="sm" />
            <span className="picker-name">{p.display_name}</span>
            <span className="muted">{[p.title, p.department].filter(Boolean).join(" · ")}</span>
          </li>
        ))}
      </ul>
      <p className="sr-only" role="status" aria-live="polite">
        {showList && !found.loading ? t("picker.results", { count: items.length }) : ""}
      </p>
    </div>
  );
}
