import { useState, type FormEvent } from "react";
import { api, ok, type Profile, type Schemas } from "../api/client";
import { nameOf, usePeople } from "../chat/people";
import { Alert } from "../components/Alert";
import { Avatar } from "../components/Avatar";
import { Confirm } from "../components/Confirm";
import { Field } from "../components/Field";
import { PeoplePicker } from "../components/PeoplePicker";
import { Empty, ErrorState, Loading } from "../components/States";
import { useAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useI18n } from "../i18n";
import { ChannelChooser, type ChannelRef } from "./ChannelChooser";
import { ComplianceNav } from "./ComplianceNav";
import { badRange, dayStart, holdActive, holdScope } from "./logic";

type Hold = Schemas["Hold"];

/** Legal holds by matter: create, see what each covers, release (which deletes nothing). */
export default function HoldsScreen() {
  const { t } = useI18n();
  const holds = useAsync(async (signal) => (await ok(api.GET("/api/v1/compliance/holds", { signal }))).items ?? [], []);
  const [created, setCreated] = useState<string>();
  return (
    <div className="screen screen-wide">
      <h1 tabIndex={-1}>{t("compliance.title")}</h1>
      <ComplianceNav />
      <h2>{t("compliance.holds")}</h2>
      <p className="muted">{t("compliance.holds.lead")}</p>
      <NewHoldForm
        onCreated={(h) => {
          setCreated(h.matter);
          holds.reload();
        }}
      />
      {created && (
        <Alert kind="success">
          {t("compliance.holds.created", { matter: created })}
        </Alert>
      )}
      <h3>{t("compliance.holds.list")}</h3>
      {holds.error !== undefined && <ErrorState error={holds.error} retry={holds.reload} />}
      {holds.loading && !holds.data && <Loading />}
      {holds.data && holds.data.length === 0 && <Empty>{t("compliance.holds.none")}</Empty>}
      {holds.data && holds.data.length > 0 && <HoldTable holds={holds.data} onChange={holds.reload} />}
    </div>
  );
}

function NewHoldForm({ onCreated }: { onCreated: (h: Hold) => void }) {
  const { t } = useI18n();
  const [matter, setMatter] = useState("");
  const [custodians, setCustodians] = useState<Profile[]>([]);
  const [channels, setChannels] = useState<ChannelRef[]>([]);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const action = useAction();
  const wrongWay = badRange(from, to);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!matter.trim() || wrongWay) return;
    const starts = dayStart(from);
    const ends = dayStart(to, 1);
    const h = await action.run(() =>
      ok(
        api.POST("/api/v1/compliance/holds", {
          body: {
            matter: matter.trim(),
            custodian_ids: custodians.map((p) => p.id),
            channel_ids: channels.map((c) => c.id),
            ...(starts ? { starts_at: starts } : {}),
            ...(ends ? { ends_at: ends } : {}),
          },
        }),
      ),
    );
    if (h) {
      setMatter("");
      setCustodians([]);
      setChannels([]);
      setFrom("");
      setTo("");
      onCreated(h);
    }
  };

  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="new-hold">
      <h3 id="new-hold">{t("compliance.holds.new")}</h3>
      <Field label={t("compliance.holds.matter")} value={matter} required maxLength={200} placeholder="Müller ./. Kontor GmbH" onChange={(e) => setMatter(e.target.value)} />
      <div>
        <PeoplePicker label={t("compliance.holds.custodians")} exclude={custodians.map((p) => p.id)} onPick={(p) => setCustodians((cs) => [...cs, p])} />
        <ul className="chips" aria-label={t("compliance.holds.custodians")}>
          {custodians.length === 0 && <li className="muted small">{t("compliance.holds.everyone")}</li>}
          {custodians.map((p) => (
            <li key={p.id} className="chip">
              <Avatar user={p} size="sm" /> {p.display_name}
              <button type="button" className="btn btn-ghost btn-icon" aria-label={t("compliance.remove", { name: p.display_name })} onClick={() => setCustodians((cs) => cs.filter((c) => c.id !== p.id))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div>
        <ChannelChooser label={t("compliance.holds.channels")} exclude={channels.map((c) => c.id)} onPick={(c) => setChannels((cs) => [...cs, c])} />
        <ul className="chips" aria-label={t("compliance.holds.channels")}>
          {channels.length === 0 && <li className="muted small">{t("compliance.holds.everywhere")}</li>}
          {channels.map((c) => (
            <li key={c.id} className="chip">
              {c.name}
              <button type="button" className="btn btn-ghost btn-icon" aria-label={t("compliance.remove", { name: c.name })} onClick={() => setChannels((cs) => cs.filter((x) => x.id !== c.id))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      </div>
      <Field label={t("compliance.from")} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
      <Field label={t("compliance.to")} type="date" value={to} onChange={(e) => setTo(e.target.value)} error={wrongWay ? t("compliance.badRange") : undefined} />
      {action.error !== undefined && <ErrorState error={action.error} />}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={action.busy || !matter.trim() || wrongWay}>
          {t("compliance.holds.create")}
        </button>
      </div>
    </form>
  );
}

function HoldTable({ holds, onChange }: { holds: Hold[]; onChange: () => void }) {
  const { t } = useI18n();
  const people = usePeople(holds.flatMap((h) => [...(h.custodian_ids ?? []), h.created_by]));
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">{t("compliance.holds.list")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("compliance.holds.matter")}</th>
            <th scope="col">{t("compliance.holds.scope")}</th>
            <th scope="col">{t("compliance.holds.covers")}</th>
            <th scope="col">{t("compliance.holds.state")}</th>
            <th scope="col">
              <span className="sr-only">{t("common.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {holds.map((h) => (
            <HoldRow key={h.id} hold={h} people={people} onChange={onChange} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HoldRow({ hold, people, onChange }: { hold: Hold; people: ReadonlyMap<string, Profile>; onChange: () => void }) {
  const { t, date, dateTime } = useI18n();
  const scope = holdScope(hold);
  const active = holdActive(hold);
  // The list leaves out how much each hold covers; one hold's own read says.
  const detail = useAsync(async (signal) => ok(api.GET("/api/v1/compliance/holds/{id}", { params: { path: { id: hold.id } }, signal })), [hold.id, hold.released_at]);
  const [asking, setAsking] = useState(false);
  const release = useAction();
  const custodians = (hold.custodian_ids ?? []).map((id) => nameOf(people.get(id), id));
  return (
    <tr>
      <th scope="row">{hold.matter}</th>
      <td>
        <dl className="facts compact">
          <dt>{t("compliance.holds.custodians")}</dt>
          <dd>{scope.everyone ? t("compliance.holds.everyone") : custodians.join(", ")}</dd>
          <dt>{t("compliance.holds.channels")}</dt>
          <dd>{scope.everywhere ? t("compliance.holds.everywhere") : (hold.channel_ids ?? []).map((c) => <code key={c} className="small">{c} </code>)}</dd>
          <dt>{t("compliance.holds.period")}</dt>
          <dd>
            {scope.since ? date(scope.since) : t("compliance.holds.beginning")} – {scope.until ? date(scope.until) : t("compliance.holds.openEnded")}
          </dd>
        </dl>
      </td>
      <td>
        {detail.data?.covers !== undefined ? t("compliance.holds.coversCount", { count: detail.data.covers }) : detail.error !== undefined ? "–" : t("common.loading")}
      </td>
      <td>
        {active ? (
          <span className="badge badge-warn">{t("compliance.holds.active")}</span>
        ) : (
          <span>{t("compliance.holds.releasedAt", { when: dateTime(hold.released_at) })}</span>
        )}
        <div className="muted small">{t("compliance.holds.createdBy", { name: nameOf(people.get(hold.created_by), hold.created_by), when: dateTime(hold.created_at) })}</div>
      </td>
      <td>
        {active && (
          <button type="button" className="btn btn-small" disabled={release.busy} onClick={() => setAsking(true)}>
            {t("compliance.holds.release")}
          </button>
        )}
        {release.error !== undefined && <ErrorState error={release.error} />}
        <Confirm
          open={asking}
          title={t("compliance.holds.releaseTitle", { matter: hold.matter })}
          text={t("compliance.holds.releaseText")}
          confirm={t("compliance.holds.release")}
          onClose={() => setAsking(false)}
          onConfirm={async () => {
            const done = await release.run(() => ok(api.POST("/api/v1/compliance/holds/{id}/release", { params: { path: { id: hold.id } } })));
            if (done) onChange();
          }}
        />
      </td>
    </tr>
  );
}
