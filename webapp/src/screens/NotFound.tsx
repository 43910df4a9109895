import { Link } from "../base/router";
import { useT } from "../i18n";

export function NotFoundScreen() {
  const t = useT();
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
      <Link to="/">{t("notFound.home")}</Link>
    </div>
  );
}

/** A page that exists but needs a role the person does not have: says so, and for whom it is. */
export function NotForYouScreen({ role }: { role: "admin" | "compliance" }) {
  const t = useT();
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("notForYou.title")}</h1>
      <p>{t(role === "compliance" ? "notForYou.compliance" : "notForYou.admin")}</p>
      <Link to="/">{t("notFound.home")}</Link>
    </div>
  );
}
