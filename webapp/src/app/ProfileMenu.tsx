import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { User } from "../api/client";
import { myStatusStore, setMyStatus, type MyStatus } from "../chat/runtime";
import { Avatar } from "../components/Avatar";
import { useT } from "../i18n";
import { navigate } from "../base/router";
import { signOut } from "../platform/session";
import { useStore } from "../base/store";

const statuses: { value: MyStatus; label: "presence.online" | "presence.away" | "presence.dnd" }[] = [
  { value: "active", label: "presence.online" },
  { value: "away", label: "presence.away" },
  { value: "dnd", label: "presence.dnd" },
];

/** The own-avatar button in the header and its menu (menu button pattern). */
export function ProfileMenu({ user }: { user: User }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const status = useStore(myStatusStore);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const items = () => Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"], [role="menuitemradio"]') ?? []);
  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const away = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const go = (to: string) => {
    close();
    navigate(to);
  };
  const onKey = (e: KeyboardEvent) => {
    const list = items();
    const i = list.indexOf(document.activeElement as HTMLElement);
    if (e.key === "ArrowDown") list[(i + 1) % list.length]?.focus();
    else if (e.key === "ArrowUp") list[(i - 1 + list.length) % list.length]?.focus();
    else if (e.key === "Home") list[0]?.focus();
    else if (e.key === "End") list[list.length - 1]?.focus();
    else if (e.key === "Escape" || e.key === "Tab") close();
    else return;
    e.preventDefault();
  };

  return (
    <div className="menu-wrap">
      <button
        ref={button}
        type="button"
        className="profile-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={`${id}-menu`}
        onClick={() => setOpen((o) => !o)}
      >
        <Avatar user={user} size="sm" presence />
        <span className="profile-button-name">{user.display_name || user.username}</span>
        <span className="sr-only">{t("menu.open")}</span>
      </button>
      {open && (
        <div ref={menu} id={`${id}-menu`} role="menu" aria-label={t("menu.label")} className="menu" onKeyDown={onKey}>
          <div className="menu-head" role="presentation">
            <strong>{user.display_name}</strong>
            <span className="muted">@{user.username}</span>
          </div>
          <div role="group" aria-label={t("status.label")} className="menu-group">
            {statuses.map((s) => (
              <button
                key={s.value}
                type="button"
                role="menuitemradio"
                aria-checked={status === s.value}
                tabIndex={-1}
                onClick={() => {
                  setMyStatus(s.value);
                  close();
                }}
              >
                <span className={`presence presence-${s.value === "active" ? "online" : s.value}`} aria-hidden="true" /> {t(s.label)}
              </button>
            ))}
          </div>
          <hr role="separator" />
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => go("/settings/profile")}>
            {t("nav.profile")}
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => go("/settings/security")}>
            {t("nav.security")}
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => go("/settings/preferences")}>
            {t("nav.preferences")}
          </button>
          <hr role="separator" />
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            onClick={() => {
              setOpen(false);
              void signOut();
            }}
          >
            {t("menu.signOut")}
          </button>
        </div>
      )}
    </div>
  );
}
