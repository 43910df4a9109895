// Every screen and its address. To add a screen: write it in screens/,
// add a line here (lazy() for screens most people never open), and add
// its title to the catalogs in i18n/.

import { lazy, type ReactNode } from "react";
import type { User } from "../api/client";
import type { MessageKey } from "../i18n";
import { ChannelScreen } from "../chat/ui/ChannelScreen";
import { HomeScreen } from "../screens/Home";
import { SearchScreen } from "../search/SearchScreen";
import { PeopleScreen } from "../screens/People";
import { PersonScreen } from "../screens/Person";
import { PreferencesScreen } from "../screens/settings/Preferences";
import { ProfileScreen } from "../screens/settings/Profile";
import { SecurityScreen } from "../screens/settings/Security";
import { matchPath } from "../base/router";

const AdminUsersScreen = lazy(() => import("../screens/admin/Users"));
const AdminUserScreen = lazy(() => import("../screens/admin/User"));
const AdminDirectoryScreen = lazy(() => import("../screens/admin/Directory"));
const AdminAuditScreen = lazy(() => import("../screens/admin/Audit"));
const ComplianceSearchScreen = lazy(() => import("../compliance/Discovery"));
const ComplianceConversationScreen = lazy(() => import("../compliance/Conversation"));
const ComplianceRetentionScreen = lazy(() => import("../compliance/Retention"));
const ComplianceAuditScreen = lazy(() => import("../compliance/AuditTrail"));
const ComplianceHoldsScreen = lazy(() => import("../compliance/Holds"));
const ComplianceJournalScreen = lazy(() => import("../compliance/JournalKey"));

export interface Route {
  path: string;
  title: MessageKey;
  role?: "admin" | "compliance";
  render: (params: Record<string, string>, user: User) => ReactNode;
}

export const routes: Route[] = [
  { path: "/", title: "nav.home", render: (_, user) => <HomeScreen user={user} /> },
  { path: "/c/:id", title: "chat.channel", render: (p, user) => <ChannelScreen id={p.id ?? ""} user={user} /> },
  { path: "/search", title: "search.title", render: (_, user) => <SearchScreen user={user} /> },
  { path: "/people", title: "nav.people", render: () => <PeopleScreen /> },
  { path: "/people/:user", title: "nav.people", render: (p) => <PersonScreen username={p.user ?? ""} /> },
  { path: "/settings/profile", title: "nav.profile", render: (_, user) => <ProfileScreen user={user} /> },
  { path: "/settings/security", title: "nav.security", render: () => <SecurityScreen /> },
  { path: "/settings/preferences", title: "nav.preferences", render: () => <PreferencesScreen /> },
  { path: "/admin/users", title: "admin.users", role: "admin", render: () => <AdminUsersScreen /> },
  { path: "/admin/users/:user", title: "admin.users", role: "admin", render: (p, user) => <AdminUserScreen id={p.user ?? ""} me={user} /> },
  { path: "/admin/directory", title: "admin.directory", role: "admin", render: () => <AdminDirectoryScreen /> },
  { path: "/admin/audit", title: "admin.audit", role: "admin", render: () => <AdminAuditScreen /> },
  { path: "/compliance", title: "compliance.search", role: "compliance", render: () => <ComplianceSearchScreen /> },
  { path: "/compliance/search", title: "compliance.search", role: "compliance", render: () => <ComplianceSearchScreen /> },
  { path: "/compliance/conversations/:id", title: "compliance.conversation", role: "compliance", render: (p) => <ComplianceConversationScreen id={p.id ?? ""} /> },
  { path: "/compliance/audit", title: "compliance.audit", role: "compliance", render: () => <ComplianceAuditScreen /> },
  { path: "/compliance/retention", title: "compliance.retention", role: "compliance", render: () => <ComplianceRetentionScreen /> },
  { path: "/compliance/holds", title: "compliance.holds", role: "compliance", render: () => <ComplianceHoldsScreen /> },
  { path: "/compliance/journal", title: "compliance.journal", role: "compliance", render: () => <ComplianceJournalScreen /> },
];

export function findRoute(path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
}
