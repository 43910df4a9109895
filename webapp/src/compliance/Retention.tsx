import { useState, type FormEvent } from "react";
import { api, ok, type Schemas } from "../api/client";
import { nameOf, usePeople } from "../chat/people";
import { Alert } from "../components/Alert";
import { Confirm } from "../components/Confirm";
import { Field, SelectField } from "../components/Field";
import { Empty, ErrorState, Loading } from "../components/States";
import { useAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useI18n, type MessageKey } from "../i18n";
import { ComplianceNav } from "./ComplianceNav";
import { periodDays, wholeYears } from "./logic";

type Policy = Schemas["Policy"];
type DryRun = Schemas["DryRun"];

const kindKey: Record<string, MessageKey> = {
  public: "compliance.retention.kind.public",
  private: "compliance.retention.kind.private",
  dm: "compliance.retention.kind.dm",
  group_dm: "compliance.retention.kind.group_dm",
};

/** Retention policies (global, per kind of conversation, per channel), the dry run, and a run of exactly what it listed. */
export default function RetentionScreen() {
  const { t } = useI18n();
  const policies = useAsync(async (signal) => (await ok(api.GET("/api/v1/compliance/retention/policies", { signal }))).items ?? [], []);
  const limits = useAsync(async (signal) => ok(api.GET("/api/v1/compliance/retention/limits", { signal })), []);
  const runs = useAsync(async (signal) => (await ok(api.GET("/api/v1/compliance/retention/runs", { signal }))).items ?? [], []);
  const lim = limits.data;
  return (
    <div className="screen screen-wide">
      <h1 tabIndex={-1}>{t("compliance.title")}</h1>
      <ComplianceNav />
      <h2>{t("compliance.retention")}</h2>
      <p className="muted">{t("compliance.retention.lead")}</p>
      {lim && (lim.min_days > 0 || lim.max_days > 0) && (
        <p>{t("compliance.retention.limits", { min: lim.min_days > 0 ? lim.min_days : "–", max: lim.max_days > 0 ? lim.max_days : "–" })}</p>
      )}
      <PolicyForm onSaved={policies.reload} />
      <h3>{t("compliance.retention.policies")}</h3>
      {policies.error !== undefined && <ErrorState error={policies.error} retry={policies.reload} />}
      {policies.loading && !policies.data && <Loading />}
      {policies.data && policies.data.length === 0 && <Empty>{t("compliance.retention.none")}</Empty>}
      {policies.data && policies.data.length > 0 && <PolicyTable policies={policies.data} onChange={policies.reload} />}
      <DryRunSection onRun={runs.reload} />
      <h3>{t("compliance.retention.runs")}</h3>
      {runs.data && runs.data.length === 0 && <Empty>{t("compliance.retention.noRuns")}</Empty>}
      {runs.data && runs.data.length > 0 && (
        <ul>
          {runs.data.map((r) => (
            <li key={r.id}>
              <RunLine run={r} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RunLine({ run }: { run: Schemas["RetentionRun"] }) {
  const { t, dateTime } = useI18n();
  return <>{t("compliance.retention.runLine", { when: dateTime(run.started_at), messages: run.messages, files: run.files, held: run.held })}</>;
}

function Period({ days }: { days: number }) {
  const { t } = useI18n();
  if (!days) return <span className="muted">{t("compliance.retention.notSet")}</span>;
  const y = wholeYears(days);
  return <>{y ? t("compliance.retention.years", { count: y, days }) : t("compliance.retention.days", { count: days })}</>;
}

function scopeText(p: { scope: string; target: string }, t: (k: MessageKey, v?: Record<string, string | number>) => string): string {
  if (p.scope === "global") return t("compliance.retention.scope.global");
  if (p.scope === "kind") return t(kindKey[p.target] ?? "compliance.retention.scope.kind");
  return t("compliance.retention.scope.channelId", { id: p.target });
}

function PolicyForm({ onSaved }: { onSaved: () => void }) {
  const { t } = useI18n();
  const [scope, setScope] = useState<"global" | "kind" | "channel">("global");
  const [kind, setKind] = useState("public");
  const [channel, setChannel] = useState("");
  const [messages, setMessages] = useState("");
  const [files, setFiles] = useState("");
  const [unit, setUnit] = useState<"years" | "days">("years");
  const [saved, setSaved] = useState("");
  const action = useAction();
  const messageDays = periodDays(messages, unit);
  const fileDays = periodDays(files, unit);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!messageDays && !fileDays) return;
    const target = scope === "kind" ? kind : scope === "channel" ? channel.trim() : "";
    const p = await action.run(() =>
      ok(api.PUT("/api/v1/compliance/retention/policies", { body: { scope, target, ...(messageDays ? { message_days: messageDays } : {}), ...(fileDays ? { file_days: fileDays } : {}) } })),
    );
    if (p) {
      setSaved(scopeText(p, t));
      onSaved();
    }
  };
  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="new-policy">
      <h3 id="new-policy">{t("compliance.retention.set")}</h3>
      <SelectField label={t("compliance.retention.scope")} value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
        <option value="global">{t("compliance.retention.scope.global")}</option>
        <option value="kind">{t("compliance.retention.scope.kind")}</option>
        <option value="channel">{t("compliance.retention.scope.channel")}</option>
      </SelectField>
      {scope === "kind" && (
        <SelectField label={t("compliance.retention.kind")} value={kind} onChange={(e) => setKind(e.target.value)}>
          {Object.entries(kindKey).map(([k, key]) => (
            <option key={k} value={k}>
              {t(key)}
            </option>
          ))}
        </SelectField>
      )}
      {scope === "channel" && <Field label={t("compliance.retention.channelId")} value={channel} required pattern="[0-9a-z]{26}" onChange={(e) => setChannel(e.target.value)} />}
      <Field label={t("compliance.retention.messages")} type="number" min={0} step="any" inputMode="decimal" value={messages} onChange={(e) => setMessages(e.target.value)} />
      <Field label={t("compliance.retention.files")} type="number" min={0} step="any" inputMode="decimal" value={files} hint={t("compliance.retention.emptyHint")} onChange={(e) => setFiles(e.target.value)} />
      <SelectField label={t("compliance.retention.unit")} value={unit} onChange={(e) => setUnit(e.target.value as typeof unit)}>
        <option value="years">{t("compliance.retention.unitYears")}</option>
        <option value="days">{t("compliance.retention.unitDays")}</option>
      </SelectField>
      {action.error !== undefined && <ErrorState error={action.error} />}
      {saved && <Alert kind="success">{t("compliance.retention.saved", { scope: saved })}</Alert>}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={action.busy || (!messageDays && !fileDays)}>
          {t("compliance.retention.save")}
        </button>
      </div>
    </form>
  );
}

function PolicyTable({ policies, onChange }: { policies: Policy[]; onChange: () => void }) {
  const { t, dateTime } = useI18n();
  const people = usePeople(policies.map((p) => p.updated_by));
  const remove = useAction();
  return (
    <div className="table-wrap">
      {remove.error !== undefined && <ErrorState error={remove.error} />}
      <table>
        <caption className="sr-only">{t("compliance.retention.policies")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("compliance.retention.scope")}</th>
            <th scope="col">{t("compliance.retention.messages")}</th>
            <th scope="col">{t("compliance.retention.files")}</th>
            <th scope="col">{t("compliance.retention.changed")}</th>
            <th scope="col">
              <span className="sr-only">{t("common.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {policies.map((p) => (
            <tr key={p.id}>
              <th scope="row">{scopeText(p, t)}</th>
              <td>
                <Period days={p.message_days} />
              </td>
              <td>
                <Period days={p.file_days} />
              </td>
              <td>
                {nameOf(people.get(p.updated_by), p.updated_by)}, {dateTime(p.updated_at)}
              </td>
              <td>
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  disabled={remove.busy}
                  onClick={async () => {
                    const done = await remove.run(async () => {
                      await ok(api.DELETE("/api/v1/compliance/retention/policies/{id}", { params: { path: { id: p.id } } }));
                      return true;
                    });
                    if (done) onChange();
                  }}
                >
                  {t("compliance.retention.remove", { scope: scopeText(p, t) })}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The dry run, and a run of exactly what it listed (the run is given the dry run's as_of). */
function DryRunSection({ onRun }: { onRun: () => void }) {
  const { t, dateTime } = useI18n();
  const [dry, setDry] = useState<DryRun>();
  const [asking, setAsking] = useState(false);
  const [ran, setRan] = useState<Schemas["RetentionRun"]>();
  const preview = useAction();
  const run = useAction();
  const doPreview = async () => {
    setRan(undefined);
    const d = await preview.run(() => ok(api.GET("/api/v1/compliance/retention/dry-run", { params: { query: { limit: 100 } } })));
    if (d) setDry(d);
  };
  const doRun = async () => {
    if (!dry) return;
    const r = await run.run(() => ok(api.POST("/api/v1/compliance/retention/run", { body: { as_of: dry.as_of } })));
    if (r) {
      setRan(r);
      setDry(undefined);
      onRun();
    }
  };
  return (
    <section aria-labelledby="dry-run">
      <h3 id="dry-run">{t("compliance.retention.dryRun")}</h3>
      <p className="muted">{t("compliance.retention.dryRunLead")}</p>
      <button type="button" className="btn" disabled={preview.busy} onClick={doPreview}>
        {t("compliance.retention.preview")}
      </button>
      {preview.error !== undefined && <ErrorState error={preview.error} />}
      {run.error !== undefined && <ErrorState error={run.error} />}
      {ran && (
        <Alert kind="success">
          <RunLine run={ran} />
        </Alert>
      )}
      {dry && (
        <div aria-live="polite">
          <p role="status">{t("compliance.retention.wouldGo", { messages: dry.messages, files: dry.files, held: dry.held, when: dateTime(dry.as_of) })}</p>
          {(dry.items ?? []).length > 0 && (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">{t("compliance.retention.dryRun")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("compliance.search.kind")}</th>
                    <th scope="col">{t("compliance.retention.item")}</th>
                    <th scope="col">{t("compliance.retention.created")}</th>
                    <th scope="col">{t("compliance.holds.state")}</th>
                  </tr>
                </thead>
                <tbody>
                  {(dry.items ?? []).map((i) => (
                    <tr key={`${i.type}-${i.id}`}>
                      <td>{t(i.type === "file" ? "compliance.search.kindFile" : "compliance.search.kindMessage")}</td>
                      <td>
                        <code className="small">{i.id}</code>
                      </td>
                      <td>{dateTime(i.created_at)}</td>
                      <td>{i.held ? <span className="badge badge-warn">{t("compliance.retention.held")}</span> : t("compliance.retention.goes")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {dry.messages + dry.files > 0 && (
            <button type="button" className="btn btn-danger" disabled={run.busy} onClick={() => setAsking(true)}>
              {t("compliance.retention.runNow")}
            </button>
          )}
          <Confirm
            open={asking}
            title={t("compliance.retention.runTitle")}
            text={t("compliance.retention.runText", { messages: dry.messages, files: dry.files })}
            confirm={t("compliance.retention.runNow")}
            onClose={() => setAsking(false)}
            onConfirm={doRun}
          />
        </div>
      )}
    </section>
  );
}
