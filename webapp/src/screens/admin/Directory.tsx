import { useState } from "react";
import { api, ok, type SyncReport } from "../../api/client";
import { Alert } from "../../components/Alert";
import { ErrorState, Loading } from "../../components/States";
import { AdminNav } from "../../components/SubNav";
import { useAction } from "../../components/useAction";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";

/** The company directory (LDAP): where it is, how the last sync went, and "sync now". */
export default function AdminDirectoryScreen() {
  const { t } = useI18n();
  const status = useAsync((signal) => ok(api.GET("/api/v1/admin/ldap", { signal })), []);
  const sync = useAction();
  const [report, setReport] = useState<SyncReport>();
  const s = status.data;
  const run = async () => {
    const r = await sync.run(() => ok(api.POST("/api/v1/admin/ldap/sync")));
    if (r) setReport(r);
    status.reload();
  };
  const minutes = s?.sync_interval_ns ? Math.round(s.sync_interval_ns / 60e9) : 0;
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("admin.title")}</h1>
      <AdminNav />
      <section className="card" aria-labelledby="dir-title">
        <h2 id="dir-title">{t("admin.directory")}</h2>
        {status.loading && !s && <Loading />}
        {status.error !== undefined && <ErrorState error={status.error} retry={status.reload} />}
        {s && !s.configured && <Alert kind="info">{t("directory.notConfigured")}</Alert>}
        {s?.configured && (
          <>
            <dl className="facts">
              <dt>{t("directory.server")}</dt>
              <dd>
                <code>{s.server}</code>
              </dd>
              <dt>{t("directory.interval")}</dt>
              <dd>{minutes ? t("directory.everyMinutes", { n: minutes }) : t("directory.never")}</dd>
            </dl>
            <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={sync.busy}>
              {sync.busy ? t("directory.syncing") : t("directory.syncNow")}
            </button>
            {sync.error !== undefined && <ErrorState error={sync.error} />}
          </>
        )}
      </section>
      {(report ?? s?.last_sync) && <Report report={(report ?? s?.last_sync) as SyncReport} fresh={report !== undefined} />}
    </div>
  );
}

function Report({ report, fresh }: { report: SyncReport; fresh: boolean }) {
  const { t, dateTime } = useI18n();
  const counts: [string, number][] = [
    [t("directory.seen"), report.seen],
    [t("directory.created"), report.created],
    [t("directory.updated"), report.updated],
    [t("directory.disabled"), report.disabled],
    [t("directory.enabled"), report.enabled],
  ];
  return (
    <section className="card" aria-labelledby="sync-title" aria-live="polite">
      <h2 id="sync-title">{fresh ? t("directory.thisSync") : t("directory.lastSync")}</h2>
      <p className="muted">
        {dateTime(report.started_at)} – {dateTime(report.finished_at)}
      </p>
      {report.error ? <Alert kind="error">{t("directory.failed", { error: report.error })}</Alert> : <Alert kind="success">{t("directory.ok")}</Alert>}
      <dl className="stats">
        {counts.map(([label, n]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{n}</dd>
          </div>
        ))}
      </dl>
      {(report.skipped ?? []).length > 0 && (
        <>
          <h3>{t("directory.skipped")}</h3>
          <p className="muted">{t("directory.skippedHelp")}</p>
          <ul className="inline-list">
            {(report.skipped ?? []).map((u) => (
              <li key={u}>
                <code>{u}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
