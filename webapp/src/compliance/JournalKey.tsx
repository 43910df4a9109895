import { api, ok } from "../api/client";
import { ErrorState, Loading } from "../components/States";
import { useAsync } from "../components/useAsync";
import { useI18n } from "../i18n";
import { ComplianceNav } from "./ComplianceNav";

/**
 * The key that signs the journal's checkpoints: its fingerprint, to
 * compare with the one kept apart from the server (`kontor compliance
 * key`), and how far the newest signed checkpoint reaches.
 */
export default function JournalKeyScreen() {
  const { t, dateTime } = useI18n();
  const info = useAsync(async (signal) => ok(api.GET("/api/v1/compliance/journal", { signal })), []);
  const d = info.data;
  return (
    <div className="screen screen-wide">
      <h1 tabIndex={-1}>{t("compliance.title")}</h1>
      <ComplianceNav />
      <h2>{t("compliance.journal")}</h2>
      <p className="muted">{t("compliance.journal.lead")}</p>
      {info.error !== undefined && <ErrorState error={info.error} retry={info.reload} />}
      {info.loading && !d && <Loading />}
      {d && (
        <dl className="facts">
          <dt>{t("compliance.journal.fingerprint")}</dt>
          <dd>
            <code className="fingerprint">{d.fingerprint || t("compliance.journal.noKey")}</code>
          </dd>
          <dt>{t("compliance.journal.keyName")}</dt>
          <dd>{d.key_name || "–"}</dd>
          <dt>{t("compliance.journal.publicKey")}</dt>
          <dd>
            <code className="break">{d.public_key || t("compliance.journal.noKey")}</code>
          </dd>
          <dt>{t("compliance.journal.entries")}</dt>
          <dd>{d.entries}</dd>
          <dt>{t("compliance.journal.checkpoint")}</dt>
          <dd>
            {d.checkpoint
              ? t("compliance.journal.checkpointAt", { size: d.checkpoint.size, when: dateTime(d.checkpoint.at) })
              : t("compliance.journal.noCheckpoint")}
          </dd>
          {d.checkpoint && (
            <>
              <dt>{t("compliance.journal.root")}</dt>
              <dd>
                <code className="break">{d.checkpoint.root}</code>
              </dd>
            </>
          )}
        </dl>
      )}
      <p className="muted small">{t("compliance.journal.verify")}</p>
    </div>
  );
}
