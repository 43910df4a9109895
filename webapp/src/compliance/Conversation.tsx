import { api, ok, type Schemas } from "../api/client";
import { href, Link, navigate, useLocation } from "../base/router";
import { ErrorState, Loading } from "../components/States";
import { useAsync } from "../components/useAsync";
import { useI18n } from "../i18n";
import { ComplianceNav } from "./ComplianceNav";
import { stateKey } from "./Discovery";
import { canModerate, formatSize, recordedFileHref } from "./logic";
import { ModerateButton } from "./Moderate";

type Message = Schemas["ConversationMessage"];

/**
 * A conversation as the record holds it, around a hit: read-only, deleted,
 * expired and moderated messages marked, every version of an edited one.
 * Opening it is a compliance read the server puts on the audit trail.
 */
export default function ConversationScreen({ id }: { id: string }) {
  const { t } = useI18n();
  const { query } = useLocation();
  const around = Number(query.get("around") ?? "0") || 0;
  const conv = useAsync(
    async (signal) =>
      ok(api.GET("/api/v1/compliance/ediscovery/channels/{id}/conversation", { params: { path: { id }, query: { around, before: 25, after: 25 } }, signal })),
    [id, around],
  );
  const c = conv.data;
  const items = c?.items ?? [];
  const first = items[0];
  const last = items[items.length - 1];
  const go = (seq: number) => navigate(href("/compliance/conversations/:id", { id }, { around: String(seq) }));
  const title = c ? (c.channel_name ? `#${c.channel_name}` : t("compliance.directMessage")) : "";
  return (
    <div className="screen screen-wide">
      <h1 tabIndex={-1}>{t("compliance.title")}</h1>
      <ComplianceNav />
      <p>
        <Link to="/compliance/search">{t("compliance.conversation.back")}</Link>
      </p>
      <h2>{title ? t("compliance.conversation.title", { name: title }) : t("compliance.conversation")}</h2>
      <p className="muted">{t("compliance.conversation.lead")}</p>
      {conv.error !== undefined && <ErrorState error={conv.error} retry={conv.reload} />}
      {conv.loading && !c && <Loading />}
      {c && (
        <>
          {c.more_before && first && (
            <button type="button" className="btn" onClick={() => go(first.seq)}>
              {t("compliance.conversation.earlier")}
            </button>
          )}
          <ol className="results" aria-label={title} aria-busy={conv.loading}>
            {items.map((m) => (
              <RecordMessage key={m.seq} m={m} onModerated={conv.reload} />
            ))}
          </ol>
          {c.more_after && last && (
            <button type="button" className="btn" onClick={() => go(last.seq)}>
              {t("compliance.conversation.later")}
            </button>
          )}
        </>
      )}
    </div>
  );
}

function RecordMessage({ m, onModerated }: { m: Message; onModerated: () => void }) {
  const { t, dateTime, locale } = useI18n();
  const versions = m.versions ?? [];
  const latest = versions[versions.length - 1];
  const earlier = versions.slice(0, -1);
  return (
    <li className={`hit record-msg${m.anchor ? " record-msg-hit" : ""}`} aria-current={m.anchor ? "true" : undefined}>
      <div className="hit-head">
        <strong>{m.author_username ? `@${m.author_username}` : m.author_id}</strong>
        <span className="muted small">{dateTime(m.at)}</span>
        {m.state !== "live" && <span className={`state state-${m.state}`}>{t(stateKey[m.state] ?? "compliance.state.live")}</span>}
        {m.ended_at && <span className="muted small">{t("compliance.conversation.ended", { when: dateTime(m.ended_at) })}</span>}
        {m.root_id && <span className="muted small">{t("compliance.conversation.reply")}</span>}
      </div>
      {latest && <p className="hit-text">{latest.purged ? <em>{t("compliance.conversation.purged")}</em> : latest.text}</p>}
      {earlier.length > 0 && (
        <details>
          <summary>{t("compliance.conversation.versions", { count: earlier.length })}</summary>
          <ol>
            {earlier.map((v) => (
              <li key={v.seq}>
                <span className="muted small">
                  {t("compliance.conversation.versionAt", { version: v.version, when: dateTime(v.at) })}
                </span>
                <p className="hit-text">{v.purged ? <em>{t("compliance.conversation.purged")}</em> : v.text}</p>
              </li>
            ))}
          </ol>
        </details>
      )}
      {(m.files ?? []).map((f) => (
        <p key={f.seq} className="small">
          {f.purged ? (
            <em>{t("compliance.conversation.purged")}</em>
          ) : (
            <a href={recordedFileHref(f.file_id)} download>
              {t("compliance.search.download", { name: f.name ?? f.file_id })}
            </a>
          )}{" "}
          <span className="muted">{formatSize(f.size ?? 0, locale)}</span>
          {f.state !== "live" && <span className={`state state-${f.state}`}>{t(stateKey[f.state] ?? "compliance.state.live")}</span>}
        </p>
      ))}
      {canModerate(m.state) && (
        <div className="hit-actions">
          <ModerateButton messageId={m.message_id} onDone={onModerated} />
        </div>
      )}
    </li>
  );
}
