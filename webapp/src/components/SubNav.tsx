import { Link, useLocation } from "../base/router";
import { useT, type MessageKey } from "../i18n";

/** Tabs between the pages of one area (settings, admin console), as links. */
export function SubNav({ label, links }: { label: MessageKey; links: { to: string; label: MessageKey }[] }) {
  const t = useT();
  const { path } = useLocation();
  return (
    <nav className="subnav" aria-label={t(label)}>
      {links.map((l) => (
        <Link key={l.to} to={l.to} aria-current={path === l.to || path.startsWith(l.to + "/") ? "page" : undefined}>
          {t(l.label)}
        </Link>
      ))}
    </nav>
  );
}

export function SettingsNav() {
  return (
    <SubNav
      label="nav.settings"
      links={[
        { to: "/settings/profile", label: "nav.profile" },
        { to: "/settings/security", label: "nav.security" },
        { to: "/settings/preferences", label: "nav.preferences" },
      ]}
    />
  );
}

export function AdminNav() {
  return (
    <SubNav
      label="nav.admin"
      links={[
        { to: "/admin/users", label: "admin.users" },
        { to: "/admin/directory", label: "admin.directory" },
        { to: "/admin/audit", label: "admin.audit" },
      ]}
    />
  );
}
