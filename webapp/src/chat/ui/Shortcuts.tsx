// Chat by keyboard across the app: Ctrl/Cmd+K opens the quick switcher,
// Alt+↑/↓ and Alt+Shift+↑/↓ move between conversations (Shift: unread
// ones), Ctrl/Cmd+/ lists the shortcuts. The shell renders this once.

import { useEffect, useId, useMemo, useState, type KeyboardEvent } from "react";
import type { User } from "../../api/client";
import { href, navigate, useLocation } from "../../base/router";
import { useStore } from "../../base/store";
import { Dialog } from "../../components/Dialog";
import { useT, type MessageKey } from "../../i18n";
import { peopleStore } from "../people";
import { channelsStore } from "../runtime";
import { isUnread, type Channel } from "../unread";
import { channelLabel } from "./names";
import { nextConversation, sidebarOrder } from "./navigate";

const open = (c: Channel) => navigate(href("/c/:id", { id: c.id }));

function currentChannel(path: string): string | undefined {
  const m = /^\/c\/([^/]+)$/.exec(path);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/** Installs the shortcuts and renders their dialogs. */
export function ChatShortcuts({ user }: { user: User }) {
  const { path } = useLocation();
  const [dialog, setDialog] = useState<"switcher" | "help" | null>(null);
  const current = currentChannel(path);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setDialog((d) => (d === "switcher" ? null : "switcher"));
      } else if (mod && !e.altKey && (e.key === "/" || e.code === "Slash")) {
        e.preventDefault();
        setDialog((d) => (d === "help" ? null : "help"));
      } else if (e.altKey && !mod && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
        if (document.querySelector("dialog[open]")) return;
        e.preventDefault();
        const order = sidebarOrder(channelsStore.get().byId.values());
        const to = nextConversation(order, currentChannel(window.location.pathname), e.key === "ArrowDown" ? 1 : -1, e.shiftKey);
        if (to) open(to);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return (
    <>
      <QuickSwitcher open={dialog === "switcher"} me={user} current={current} onClose={() => setDialog(null)} />
      <ShortcutsHelp open={dialog === "help"} onClose={() => setDialog(null)} />
    </>
  );
}

/** Ctrl/Cmd+K: type a few letters of a channel or a person, Enter goes there. */
function QuickSwitcher({ open: isOpen, me, current, onClose }: { open: boolean; me: User; current: string | undefined; onClose: () => void }) {
  const t = useT();
  return (
    <Dialog title={t("keys.switcherTitle")} open={isOpen} onClose={onClose}>
      <SwitcherBody me={me} current={current} onClose={onClose} />
    </Dialog>
  );
}

function SwitcherBody({ me, current, onClose }: { me: User; current: string | undefined; onClose: () => void }) {
  const t = useT();
  const id = useId();
  const channels = useStore(channelsStore);
  const people = useStore(peopleStore);
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const matches = useMemo(() => {
    const needle = q.trim().toLocaleLowerCase().replace(/^#/, "");
    const all = sidebarOrder(channels.byId.values())
      .filter((c) => c.id !== current || needle)
      .map((c) => ({ c, label: channelLabel(c, me.id, people, t) }));
    const hits = needle ? all.filter((x) => x.label.toLocaleLowerCase().replace(/^#/, "").includes(needle)) : all;
    // Unread ones first when nothing is typed yet: where one usually wants to go.
    if (!needle) hits.sort((a, b) => Number(isUnread(b.c)) - Number(isUnread(a.c)));
    return hits.slice(0, 12);
  }, [q, channels, people, me.id, current, t]);
  const pick = (c: Channel | undefined) => {
    if (!c) return;
    onClose();
    open(c);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (matches.length) setActive((a) => (a + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      pick(matches[Math.min(active, matches.length - 1)]?.c);
    }
  };
  const listId = `${id}-list`;
  const optionId = (i: number) => `${id}-opt-${i}`;
  return (
    <div className="switcher">
      <input
        className="input"
        data-autofocus
        role="combobox"
        aria-label={t("keys.switcherLabel")}
        placeholder={t("keys.switcherLabel")}
        aria-expanded={matches.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={matches.length ? optionId(Math.min(active, matches.length - 1)) : undefined}
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKey}
      />
      <ul id={listId} role="listbox" className="switcher-list" aria-label={t("keys.switcherResults")}>
        {matches.map((x, i) => (
          <li
            key={x.c.id}
            id={optionId(i)}
            role="option"
            aria-selected={i === Math.min(active, matches.length - 1)}
            className={`${i === Math.min(active, matches.length - 1) ? "active" : ""}${isUnread(x.c) ? " unread" : ""}`}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(x.c)}
          >
            {x.label}
          </li>
        ))}
      </ul>
      {matches.length === 0 && <p className="muted">{t("keys.switcherNone")}</p>}
    </div>
  );
}

const shortcuts: [string, MessageKey][] = [
  ["Ctrl+K", "keys.switcher"],
  ["Alt+↑ / Alt+↓", "keys.prevNext"],
  ["Alt+Shift+↑ / Alt+Shift+↓", "keys.prevNextUnread"],
  ["↑", "keys.editLast"],
  ["Esc", "keys.closePane"],
  ["Enter", "keys.send"],
  ["Shift+Enter", "keys.newline"],
  ["Ctrl+Shift+M", "keys.callMute"],
  ["Ctrl+Shift+O", "keys.callCamera"],
  ["Ctrl+/", "keys.help"],
];

/** Ctrl/Cmd+/: what the keyboard can do. */
function ShortcutsHelp({ open: isOpen, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const mac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
  return (
    <Dialog title={t("keys.helpTitle")} open={isOpen} onClose={onClose}>
      <dl className="shortcuts">
        {shortcuts.map(([keys, what]) => (
          <div key={what}>
            <dt>
              <kbd>{mac ? keys.replace(/Ctrl/g, "⌘") : keys}</kbd>
            </dt>
            <dd>{t(what)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
