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
