import { useEffect } from "react";
import { loadSession } from "../platform/session";
import { useT } from "../i18n";

/** No server and nothing remembered: the installed app opened without a network. */
export function UnreachableScreen() {
  const t = useT();
  useEffect(() => {
    document.title = `${t("unreachable.title")} · Kontor`;
  }, [t]);
  return (
    <main className="center-page" id="main">
      <div className="signin-card">
        <h1>{t("unreachable.title")}</h1>
        <p>{t("unreachable.body")}</p>
        <button type="button" className="btn btn-primary" onClick={() => void loadSession()}>
          {t("common.retry")}
        </button>
      </div>
    </main>
  );
}
