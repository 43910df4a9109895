// What the sidebar shows: links, then chat's channel and conversation
// lists (with unread badges); other modules add links.

import type { ReactNode } from "react";
import type { User } from "../api/client";
import { ChannelsSection, DirectSection } from "../chat/ui/Sidebar";
import type { IconName } from "../components/Icon";
import type { MessageKey } from "../i18n";

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
  /** The section's content. */
  render: (user: User) => ReactNode;
}

export const sidebarLinks: SidebarLink[] = [
  { to: "/", label: "nav.home", icon: "home" },
  { to: "/people", label: "nav.people", icon: "people" },
  { to: "/admin/users", label: "nav.admin", icon: "settings", role: "admin" },
  { to: "/compliance/search", label: "nav.compliance", icon: "shield", role: "compliance" },
];

export const sidebarSections: SidebarSection[] = [
  { id: "channels", title: "sidebar.channels", render: (user) => <ChannelsSection user={user} /> },
  { id: "dms", title: "sidebar.directMessages", render: (user) => <DirectSection user={user} /> },
];
