import { useState } from "react";
import { createPortal } from "react-dom";
import type { User } from "../../api/client";
import { href, Link, useLocation } from "../../base/router";
import { useStore } from "../../base/store";
import { Avatar } from "../../components/Avatar";
import { useT } from "../../i18n";
import { usePresence } from "../../platform/presence";
import { peopleStore } from "../people";
import { channelsStore } from "../runtime";
import { isUnread, sidebarLists, type Channel } from "../unread";
import { BrowseChannelsDialog, CreateChannelDialog, NewMessageDialog } from "./ChannelDialogs";
import { channelTitle, otherMembers } from "./names";

function useSidebar() {
  const s = useStore(channelsStore);
  return { ...sidebarLists(s.byId.values()), loaded: s.loaded };
}

function Badges({ c }: { c: Channel }) {
  const t = useT();
  const mem = c.membership;
  if (!mem) return null;
  if (mem.mention_count > 0) {
    return (
      <span className="side-badge side-badge-mention" aria-label={t("chat.mentionsCount", { count: mem.mention_count })}>
        {mem.mention_count}
      </span>
    );
  }
  if (mem.unread_count > 0) {
    return (
      <span className="side-badge" aria-label={t("chat.unreadCount", { count: mem.unread_count })}>
        {mem.unread_count}
      </span>
    );
  }
  return null;
}

function ChannelLink({ c, me }: { c: Channel; me: User }) {
  const t = useT();
  const { path } = useLocation();
  const people = useStore(peopleStore);
  const to = href("/c/:id", { id: c.id });
  const title = channelTitle(c, me.id, people, t);
  const others = otherMembers(c, me.id);
  const single = c.kind === "dm" ? people.get(others[0] ?? me.id) : undefined;
  return (
    <li>
      <Link to={to} className={`side-channel${isUnread(c) ? " unread" : ""}`} aria-current={path === to ? "page" : undefined}>
        {c.kind === "dm" ? (
          single ? <Avatar user={single} size="sm" presence /> : <span className="side-icon" aria-hidden="true">@</span>
        ) : c.kind === "group" ? (
          <span className="side-icon" aria-hidden="true">
            {others.length}
          </span>
        ) : (
          <span className="side-icon" aria-hidden="true">
            {c.kind === "private" ? "🔒︎" : "#"}
          </span>
        )}
        <span className="side-name">
          {title}
          {c.kind === "private" && <span className="sr-only"> ({t("chat.private")})</span>}
          {c.kind === "dm" && single && <DMPresence id={single.id} />}
        </span>
        <Badges c={c} />
      </Link>
    </li>
  );
}

function DMPresence({ id }: { id: string }) {
  const t = useT();
  const p = usePresence(id);
  return p === "unknown" ? null : <span className="sr-only"> ({t(`presence.${p}`)})</span>;
}

/** The "Channels" section: my channels, a browser for the others, and creating one. */
export function ChannelsSection({ user }: { user: User }) {
  const t = useT();
  const { channels, loaded } = useSidebar();
  const [dialog, setDialog] = useState<"browse" | "create" | null>(null);
  return (
    <>
      {loaded && channels.length === 0 && <p className="sidebar-empty">{t("sidebar.noChannels")}</p>}
      <ul className="side-list" aria-label={t("sidebar.channels")}>
        {channels.map((c) => (
          <ChannelLink key={c.id} c={c} me={user} />
        ))}
      </ul>
      <div className="side-actions">
        <button type="button" className="side-action" onClick={() => setDialog("browse")}>
          {t("chat.browse")}
        </button>
        <button type="button" className="side-action" onClick={() => setDialog("create")}>
          {t("chat.create")}
        </button>
      </div>
      {/* In <body>, not in the sidebar: its colors are not the dialog's. */}
      {createPortal(
        <>
          <BrowseChannelsDialog open={dialog === "browse"} onClose={() => setDialog(null)} onCreate={() => setDialog("create")} />
          <CreateChannelDialog open={dialog === "create"} onClose={() => setDialog(null)} me={user} />
        </>,
        document.body,
      )}
    </>
  );
}

/** The "Direct messages" section: conversations, newest first, and starting one. */
export function DirectSection({ user }: { user: User }) {
  const t = useT();
  const { direct, loaded } = useSidebar();
  const [open, setOpen] = useState(false);
  return (
    <>
      {loaded && direct.length === 0 && <p className="sidebar-empty">{t("sidebar.noDirectMessages")}</p>}
      <ul className="side-list" aria-label={t("sidebar.directMessages")}>
        {direct.map((c) => (
          <ChannelLink key={c.id} c={c} me={user} />
        ))}
      </ul>
      <div className="side-actions">
        <button type="button" className="side-action" onClick={() => setOpen(true)}>
          {t("chat.newMessage")}
        </button>
      </div>
      {createPortal(<NewMessageDialog open={open} onClose={() => setOpen(false)} me={user} />, document.body)}
    </>
  );
}
