import type { User } from "../api/client";
import { hasRole } from "../platform/session";
import { Link } from "../base/router";
import { useT } from "../i18n";

/** The start page until chat brings the channel view; it points to what works today. */
export function HomeScreen({ user }: { user: User }) {
  const t = useT();
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("home.welcome", { name: user.display_name || user.username })}</h1>
      <p className="lead">{t("home.lead")}</p>
      <ul className="tiles">
        <li>
          <Link to="/people" className="tile">
            <strong>{t("nav.people")}</strong>
            <span>{t("home.peopleText")}</span>
          </Link>
        </li>
        <li>
          <Link to="/settings/profile" className="tile">
            <strong>{t("nav.profile")}</strong>
            <span>{t("home.profileText")}</span>
          </Link>
        </li>
        <li>
          <Link to="/settings/preferences" className="tile">
            <strong>{t("nav.preferences")}</strong>
            <span>{t("home.preferencesText")}</span>
          </Link>
        </li>
        {hasRole(user, "admin") && (
          <li>
            <Link to="/admin/users" className="tile">
              <strong>{t("nav.admin")}</strong>
              <span>{t("home.adminText")}</span>
            </Link>
          </li>
        )}
      </ul>
    </div>
  );
}
