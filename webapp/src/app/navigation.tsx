// What the sidebar shows. Chat replaces the two placeholder sections with
// its channel and DM lists (with unread badges); other modules add links.

import type { ReactNode } from "react";
import type { User } from "../api/client";
import type { IconName } from "../components/Icon";
import { useT, type MessageKey } from "../i18n";

export interface SidebarLink {
  to: string;
  label: MessageKey;
  icon: IconName;
  /** Shown only to people with this role. */
  role?: "admin" | "compliance";
}

export interface SidebarSection {
  id: string;
  title: MessageKey;
  /** The section's content; an empty state until chat exists. */
  render: (user: User) => ReactNode;
}

export const sidebarLinks: SidebarLink[] = [
  { to: "/", label: "nav.home", icon: "home" },
  { to: "/people", label: "nav.people", icon: "people" },
  { to: "/admin/users", label: "nav.admin", icon: "settings", role: "admin" },
];

export const sidebarSections: SidebarSection[] = [
  { id: "channels", title: "sidebar.channels", render: () => <EmptySection text="sidebar.noChannels" /> },
  { id: "dms", title: "sidebar.directMessages", render: () => <EmptySection text="sidebar.noDirectMessages" /> },
];

function EmptySection({ text }: { text: MessageKey }) {
  const t = useT();
  return <p className="sidebar-empty">{t(text)}</p>;
}

export function hasRole(user: User, role: string): boolean {
  return (user.roles ?? []).includes(role);
}
