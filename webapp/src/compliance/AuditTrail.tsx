import { useState } from "react";
import { api, ok, type Profile } from "../api/client";
import { Avatar } from "../components/Avatar";
import { Field } from "../components/Field";
import { PeoplePicker } from "../components/PeoplePicker";
import { Empty, ErrorState, Loading } from "../components/States";
import { useDebounced } from "../components/useAsync";
import { usePaged } from "../components/usePaged";
import { useI18n } from "../i18n";
import { ComplianceNav } from "./ComplianceNav";
import { auditExportHref, auditQuery, badRange, type AuditFilters } from "./logic";

/**
 * The audit trail for compliance officers: who did what when (sign-ins,
 * roles, settings, exports, holds, retention runs, compliance reads,
 * moderation), filtered, paged and exported as CSV. Nothing here edits
 * the trail: the server offers no way to.
 */
export default function AuditTrailScreen() {
  const { t, dateTime } = useI18n();
  const [action, setAction] = useState("");
  const [targetType, setTargetType] = useState("");
  const [targetId, setTargetId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [actor, setActor] = useState<Profile>();
  const filters: AuditFilters = {
    actorId: actor?.id,
    action: useDebounced(action, 300),
    targetType: useDebounced(targetType, 300),
    targetId: useDebounced(targetId, 300),
    from,
    to,
  };
  const wrongWay = badRange(from, to);
  const query = auditQuery(filters);
  const key = JSON.stringify(query);
  const trail = usePaged(
    async (before, signal) => {
      const page = await ok(
        api.GET("/api/v1/compliance/audit-trail", {
          params: { query: { ...query, before: before ? Number(before) : undefined, limit: 50 } },
          signal,
        }),
      );
      return { items: page.items ?? [], next: page.next ? String(page.next) : undefined };
    },
    [key],
  );

  return (
    <div className="screen screen-wide">
      <h1 tabIndex={-1}>{t("compliance.title")}</h1>
      <ComplianceNav />
      <div className="section-head">
        <h2>{t("compliance.audit")}</h2>
        <a className="btn" href={auditExportHref(filters)} download="kontor-audit-trail.csv">
          {t("compliance.audit.export")}
        </a>
      </div>
      <p className="muted">{t("compliance.audit.lead")}</p>
      <form className="filters" role="search" aria-label={t("compliance.audit.filters")} onSubmit={(e) => e.preventDefault()}>
        {actor ? (
          <div className="field">
            <span className="field-label">{t("compliance.audit.who")}</span>
            <span className="chip">
              <Avatar user={actor} size="sm" /> {actor.display_name}
              <button type="button" className="btn btn-ghost btn-icon" aria-label={t("audit.clearActor", { name: actor.display_name })} onClick={() => setActor(undefined)}>
                ×
              </button>
            </span>
          </div>
        ) : (
          <PeoplePicker label={t("compliance.audit.who")} onPick={setActor} />
        )}
        <Field label={t("compliance.audit.what")} value={action} placeholder="auth.sign_in" onChange={(e) => setAction(e.target.value)} />
        <Field label={t("audit.targetType")} value={targetType} placeholder="message" onChange={(e) => setTargetType(e.target.value)} />
        <Field label={t("audit.targetId")} value={targetId} onChange={(e) => setTargetId(e.target.value)} />
        <Field label={t("compliance.from")} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <Field label={t("compliance.to")} type="date" value={to} onChange={(e) => setTo(e.target.value)} error={wrongWay ? t("compliance.badRange") : undefined} />
      </form>
      {trail.error !== undefined && <ErrorState error={trail.error} retry={trail.reload} />}
      <div className="table-wrap">
        <table aria-busy={trail.loading}>
          <caption className="sr-only">{t("compliance.audit")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("audit.when")}</th>
              <th scope="col">{t("compliance.audit.who")}</th>
              <th scope="col">{t("compliance.audit.what")}</th>
              <th scope="col">{t("audit.target")}</th>
              <th scope="col">{t("audit.from")}</th>
              <th scope="col">{t("audit.details")}</th>
            </tr>
          </thead>
          <tbody>
            {trail.items.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">{dateTime(e.at)}</td>
                <td>{e.actor_name || t("audit.system")}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.target_type} <code className="muted small">{e.target_id}</code>
                </td>
                <td>{e.ip}</td>
                <td>
                  {e.details && Object.keys(e.details).length > 0 && (
                    <details>
                      <summary>{t("audit.show")}</summary>
                      <pre>{JSON.stringify(e.details, null, 2)}</pre>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {trail.loading && <Loading />}
      {!trail.loading && !trail.error && trail.items.length === 0 && <Empty>{t("audit.none")}</Empty>}
      {trail.hasMore && !trail.loading && (
        <button type="button" className="btn" onClick={trail.more}>
          {t("audit.older")}
        </button>
      )}
    </div>
  );
}
