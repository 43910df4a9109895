import { useState } from "react";
import { api, ok, type Profile } from "../../api/client";
import { Avatar } from "../../components/Avatar";
import { Field } from "../../components/Field";
import { PeoplePicker } from "../../components/PeoplePicker";
import { Empty, ErrorState, Loading } from "../../components/States";
import { AdminNav } from "../../components/SubNav";
import { useDebounced } from "../../components/useAsync";
import { usePaged } from "../../components/usePaged";
import { useI18n } from "../../i18n";

/** The audit log of admin actions, newest first, filtered by action, target and actor. */
export default function AdminAuditScreen() {
  const { t, dateTime } = useI18n();
  const [action, setAction] = useState("");
  const [targetType, setTargetType] = useState("");
  const [targetId, setTargetId] = useState("");
  const [actor, setActor] = useState<Profile>();
  const filters = {
    action: useDebounced(action.trim(), 300),
    target_type: useDebounced(targetType.trim(), 300),
    target_id: useDebounced(targetId.trim(), 300),
  };
  const log = usePaged(
    async (before, signal) => {
      const page = await ok(
        api.GET("/api/v1/admin/audit-log", {
          params: {
            query: {
              action: filters.action || undefined,
              target_type: filters.target_type || undefined,
              target_id: filters.target_id || undefined,
              actor_id: actor?.id,
              before: before ? Number(before) : undefined,
              limit: 50,
            },
          },
          signal,
        }),
      );
      return { items: page.items ?? [], next: page.next ? String(page.next) : undefined };
    },
    [filters.action, filters.target_type, filters.target_id, actor?.id],
  );

  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("admin.title")}</h1>
      <AdminNav />
      <h2>{t("admin.audit")}</h2>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label={t("audit.action")} value={action} placeholder="user.disable" onChange={(e) => setAction(e.target.value)} />
        <Field label={t("audit.targetType")} value={targetType} placeholder="user" onChange={(e) => setTargetType(e.target.value)} />
        <Field label={t("audit.targetId")} value={targetId} onChange={(e) => setTargetId(e.target.value)} />
        {actor ? (
          <div className="field">
            <span className="field-label">{t("audit.actor")}</span>
            <span className="chip">
              <Avatar user={actor} size="sm" /> {actor.display_name}
              <button type="button" className="btn btn-ghost btn-icon" aria-label={t("audit.clearActor", { name: actor.display_name })} onClick={() => setActor(undefined)}>
                ×
              </button>
            </span>
          </div>
        ) : (
          <PeoplePicker label={t("audit.actor")} onPick={setActor} />
        )}
      </form>
      {log.error !== undefined && <ErrorState error={log.error} retry={log.reload} />}
      <div className="table-wrap">
        <table aria-busy={log.loading}>
          <caption className="sr-only">{t("admin.audit")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("audit.when")}</th>
              <th scope="col">{t("audit.actor")}</th>
              <th scope="col">{t("audit.action")}</th>
              <th scope="col">{t("audit.target")}</th>
              <th scope="col">{t("audit.from")}</th>
              <th scope="col">{t("audit.details")}</th>
            </tr>
          </thead>
          <tbody>
            {log.items.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">{dateTime(e.at)}</td>
                <td>{e.actor_name || t("audit.system")}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  {e.target_type} {typeof e.details?.username === "string" && <strong>{e.details.username}</strong>}{" "}
                  <code className="muted small">{e.target_id}</code>
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
      {log.loading && <Loading />}
      {!log.loading && !log.error && log.items.length === 0 && <Empty>{t("audit.none")}</Empty>}
      {log.hasMore && !log.loading && (
        <button type="button" className="btn" onClick={log.more}>
          {t("audit.older")}
        </button>
      )}
    </div>
  );
}
