import { Suspense, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { User } from "../api/client";
import { channelsStore, realtimeStatus, startChat, stopChat } from "../chat/runtime";
import { badgeCount } from "../chat/unread";
import { screenTitle, tabTitle } from "../base/title";
import { ChatShortcuts } from "../chat/ui/Shortcuts";
import { CallLayer } from "../calls/CallUI";
import { Icon } from "../components/Icon";
import { SearchBox } from "../search/SearchBox";
import { Loading } from "../components/States";
import { useT } from "../i18n";
import { connectivity } from "../platform/connectivity";
import { applyUpdate, updateReady } from "../platform/pwa";
import { hasRole } from "../platform/session";
import { sidebarLinks, sidebarSections } from "./navigation";
import { ProfileMenu } from "./ProfileMenu";
import { Link, useLocation } from "../base/router";
import { useStore } from "../base/store";

interface Props {
  user: User;
  offline: boolean;
  title: string;
  children: ReactNode;
}

/** value, but true only once it has stayed true for ms (a quick reconnect does not flash a banner). */
function useDelayed(value: boolean, ms: number): boolean {
  const [v, setV] = useState(false);
  useEffect(() => {
    if (!value) {
      setV(false);
      return;
    }
    const id = setTimeout(() => setV(true), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/** The signed-in frame: header, sidebar, banners and the current screen. */
export function Shell({ user, offline, title, children }: Props) {
  const t = useT();
  const { path } = useLocation();
  const net = useStore(connectivity.store);
  const update = useStore(updateReady);
  const live = useStore(realtimeStatus);
  const liveDown = useDelayed(live === "reconnecting", 1500);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // On a phone the sidebar (channels, conversations, search) is a drawer
  // behind the menu button; elsewhere it is always there.
  const [drawer, setDrawer] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const nav = useRef<HTMLElement>(null);
  const closeDrawer = (refocus: boolean) => {
    setDrawer(false);
    if (refocus) menuButton.current?.focus();
  };
  useEffect(() => setDrawer(false), [path]);
  useEffect(() => {
    if (!drawer) return;
    nav.current?.querySelector<HTMLElement>("a, button, input")?.focus();
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === "Escape" && !e.defaultPrevented) {
        e.preventDefault();
        closeDrawer(true);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [drawer]);

  // A new screen: say so in the title, and move focus to it so keyboard
  // and screen reader users start there (not on the first visit): to
  // where the screen says work starts (a conversation's text box), or
  // its heading.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const start = main.current?.querySelector<HTMLElement>("[data-autofocus]") ?? main.current?.querySelector<HTMLElement>("h1");
    start?.focus();
  }, [path, title]);

  // The tab says where I am and how much waits for me (the same count as
  // the app's icon badge: unread direct messages and mentions).
  const named = useStore(screenTitle);
  const channels = useStore(channelsStore);
  const unread = useMemo(() => badgeCount(channels.byId.values()), [channels]);
  useEffect(() => {
    document.title = tabTitle(named ?? title, unread);
  }, [named, title, unread]);

  // Chat runs while someone is signed in: one websocket for the whole app.
  useEffect(() => startChat(user), [user]);
  useEffect(() => () => stopChat(), []);

  const isOffline = offline || net === "offline" || liveDown;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t("shell.skip")}
      </a>
      <header className="topbar">
        <button
          ref={menuButton}
          type="button"
          className="menu-toggle"
          aria-label={t("shell.menu")}
          aria-expanded={drawer}
          aria-controls="sidebar"
          onClick={() => (drawer ? closeDrawer(false) : setDrawer(true))}
        >
          <Icon name="menu" />
        </button>
        <Link to="/" className="brand">
          <img src="/icons/icon.svg" alt="" width="28" height="28" />
          <span>Kontor</span>
        </Link>
        <div className="topbar-middle">
          <SearchBox />
        </div>
        <ProfileMenu user={user} />
      </header>
      {drawer && <div className="drawer-backdrop" aria-hidden="true" onClick={() => closeDrawer(true)} />}
      <nav id="sidebar" ref={nav} className={`sidebar${drawer ? " sidebar-open" : ""}`} aria-label={t("sidebar.label")}>
        {drawer && (
          <div className="sidebar-search">
            <SearchBox />
          </div>
        )}
        <ul className="sidebar-links">
          {sidebarLinks
            .filter((l) => !l.role || hasRole(user, l.role))
            .map((l) => {
              const current = l.to === "/" ? path === "/" : path === l.to || path.startsWith(l.to.replace(/\/users$/, "") + "/");
              return (
                <li key={l.to}>
                  <Link to={l.to} aria-current={current ? "page" : undefined}>
                    <Icon name={l.icon} />
                    {t(l.label)}
                  </Link>
                </li>
              );
            })}
        </ul>
        {sidebarSections.map((s) => (
          <section key={s.id} className="sidebar-section" aria-labelledby={`sidebar-${s.id}`}>
            <h2 id={`sidebar-${s.id}`}>{t(s.title)}</h2>
            {s.render(user)}
          </section>
        ))}
      </nav>
      <main id="main" ref={main} className="main">
        {isOffline && (
          <div className="banner banner-offline" role="status">
            {t("shell.offline")}
          </div>
        )}
        {update && (
          <div className="banner banner-update" role="status">
            {t("shell.updateReady")}{" "}
            <button type="button" className="btn btn-small" onClick={applyUpdate}>
              {t("shell.reload")}
            </button>
          </div>
        )}
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </main>
      <ChatShortcuts user={user} />
      <CallLayer user={user} />
    </div>
  );
}
