import { useState, type FormEvent } from "react";
import { api, ok, type Profile, type Schemas } from "../api/client";
import { Link } from "../base/router";
import { nameOf, rememberPeople, usePeople } from "../chat/people";
import { Alert } from "../components/Alert";
import { Avatar } from "../components/Avatar";
import { Field, SelectField } from "../components/Field";
import { PeoplePicker } from "../components/PeoplePicker";
import { Empty, ErrorState, Loading } from "../components/States";
import { useAction } from "../components/useAction";
import { useAsync } from "../components/useAsync";
import { useI18n, type MessageKey } from "../i18n";
import { ChannelChooser, type ChannelRef } from "./ChannelChooser";
import { ComplianceNav } from "./ComplianceNav";
import {
  badRange,
  canModerate,
  conversationHref,
  discoveryFilters,
  discoveryStates,
  emptyDiscovery,
  formatSize,
  formFromSaved,
  recordedFileHref,
  type DiscoveryForm,
  type DiscoveryState,
} from "./logic";
import { ModerateButton } from "./Moderate";

type Hit = Schemas["DiscoveryHit"];
type Results = Schemas["DiscoveryResults"];
type Saved = Schemas["SavedSearch"];

const PAGE = 50;

export const stateKey: Record<string, MessageKey> = {
  live: "compliance.state.live",
  edited: "compliance.state.edited",
  deleted: "compliance.state.deleted",
  expired: "compliance.state.expired",
  moderated: "compliance.state.moderated",
};

/**
 * E-discovery: search everything on the record (every channel and DM,
 * every version, deleted, expired and moderated messages, files) by the
 * query language plus custodian, channel, date and kind; open the
 * conversation around a hit; download a file; take a message down; save
 * a search for a matter. Each search is on the audit trail, so it runs
 * only when asked to (the button), never as one types.
 */
export default function DiscoveryScreen() {
  const { t } = useI18n();
  const [form, setForm] = useState<DiscoveryForm>(emptyDiscovery);
  const [custodians, setCustodians] = useState<Profile[]>([]);
  const [channels, setChannels] = useState<ChannelRef[]>([]);
  const [results, setResults] = useState<{ asked: DiscoveryForm; page: Results; items: Hit[] }>();
  const search = useAction();
  const wrongWay = badRange(form.from, form.to);

  const run = async (asked: DiscoveryForm, offset = 0) => {
    const page = await search.run(() =>
      ok(api.POST("/api/v1/compliance/ediscovery/search", { body: { query: asked.query.trim(), filters: discoveryFilters(asked), sort: asked.sort, offset, limit: PAGE } })),
    );
    if (page) setResults((prev) => ({ asked, page, items: offset > 0 && prev ? [...prev.items, ...(page.items ?? [])] : (page.items ?? []) }));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (wrongWay) return;
    const asked = { ...form, custodianIds: custodians.map((p) => p.id), channelIds: channels.map((c) => c.id) };
    void run(asked);
  };
  const load = (s: Saved) => {
    const f = formFromSaved({ query: s.query, filters: s.filters as never, sort: s.sort });
    setForm(f);
    setCustodians([]);
    setChannels(f.channelIds.map((id) => ({ id, name: id })));
    // The custodians' names come from the directory.
    void (async () => {
      if (f.custodianIds.length === 0) return;
      const page = await ok(api.GET("/api/v1/users", { params: { query: { ids: f.custodianIds.join(",") } } })).catch(() => undefined);
      const ps = page?.items ?? [];
      rememberPeople(ps);
      setCustodians(ps);
    })();
    void run(f);
  };
  const toggleState = (s: DiscoveryState) => setForm((f) => ({ ...f, states: f.states.includes(s) ? f.states.filter((x) => x !== s) : [...f.states, s] }));

  return (
    <div className="screen screen-wide">
      <h1 tabIndex={-1}>{t("compliance.title")}</h1>
      <ComplianceNav />
      <h2>{t("compliance.search")}</h2>
      <p className="muted">{t("compliance.search.lead")}</p>
      <form className="card form-grid" role="search" aria-label={t("compliance.search")} onSubmit={submit}>
        <Field label={t("compliance.search.query")} type="search" value={form.query} placeholder="Rabatt from:@anna" hint={t("search.help")} onChange={(e) => setForm({ ...form, query: e.target.value })} />
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
        <Field label={t("compliance.from")} type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        <Field label={t("compliance.to")} type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} error={wrongWay ? t("compliance.badRange") : undefined} />
        <SelectField label={t("compliance.search.kind")} value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as DiscoveryForm["kind"] })}>
          <option value="">{t("compliance.search.kindAny")}</option>
          <option value="message">{t("compliance.search.kindMessage")}</option>
          <option value="file">{t("compliance.search.kindFile")}</option>
        </SelectField>
        <fieldset className="checkbox-group">
          <legend>{t("compliance.search.states")}</legend>
          {discoveryStates.map((s) => (
            <label key={s}>
              <input type="checkbox" checked={form.states.includes(s)} onChange={() => toggleState(s)} /> {t(stateKey[s] ?? "compliance.state.live")}
            </label>
          ))}
        </fieldset>
        <SelectField label={t("compliance.search.sort")} value={form.sort} onChange={(e) => setForm({ ...form, sort: e.target.value as DiscoveryForm["sort"] })}>
          <option value="newest">{t("compliance.search.newest")}</option>
          <option value="oldest">{t("compliance.search.oldest")}</option>
          <option value="relevance">{t("compliance.search.relevance")}</option>
        </SelectField>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={search.busy || wrongWay}>
            {t("compliance.search.run")}
          </button>
        </div>
      </form>
      {search.error !== undefined && <ErrorState error={search.error} />}
      {search.busy && !results && <Loading />}
      {results && <ResultList results={results} busy={search.busy} more={() => void run(results.asked, results.items.length)} reload={() => void run(results.asked)} />}
      <SavedSearches current={results?.asked} onLoad={load} />
    </div>
  );
}

function ResultList({ results, busy, more, reload }: { results: { page: Results; items: Hit[] }; busy: boolean; more: () => void; reload: () => void }) {
  const { t } = useI18n();
  const { page, items } = results;
  return (
    <section aria-labelledby="hits-title" aria-busy={busy}>
      {/* The count is announced (status) but stays a heading: role="status" on the h3 would take its heading role away. */}
      <div role="status">
        <h3 id="hits-title">{t("compliance.search.total", { count: page.total })}</h3>
      </div>
      {page.indexed < page.head && <Alert kind="info">{t("compliance.search.behind", { indexed: page.indexed, head: page.head })}</Alert>}
      {items.length === 0 && <Empty>{t("compliance.search.none")}</Empty>}
      <ol className="results" aria-labelledby="hits-title">
        {items.map((h) => (
          <HitItem key={h.seq} hit={h} onModerated={reload} />
        ))}
      </ol>
      {items.length < page.total && (
        <button type="button" className="btn" disabled={busy} onClick={more}>
          {t("search.more")}
        </button>
      )}
    </section>
  );
}

function HitItem({ hit, onModerated }: { hit: Hit; onModerated: () => void }) {
  const { t, dateTime, locale } = useI18n();
  const where = hit.channel_name ? `#${hit.channel_name}` : t("compliance.directMessage");
  return (
    <li className="hit">
      <div className="hit-head">
        <strong>{hit.author_username ? `@${hit.author_username}` : hit.author_id}</strong>
        <span>{where}</span>
        <span className="muted small">{dateTime(hit.at)}</span>
        <span className={`state state-${hit.state}`}>{t(stateKey[hit.state] ?? "compliance.state.live")}</span>
        {hit.kind === "message" && hit.versions > 1 && <span className="muted small">{t("compliance.search.version", { version: hit.version, versions: hit.versions })}</span>}
      </div>
      {hit.kind === "message" ? (
        <p className="hit-text">{hit.text}</p>
      ) : (
        <p className="hit-text">
          {t("compliance.search.file", { name: hit.file_name ?? "", size: formatSize(hit.file_size ?? 0, locale) })}
        </p>
      )}
      <div className="hit-actions">
        <Link className="btn btn-small" to={conversationHref(hit.channel_id, hit.seq)}>
          {t("compliance.search.open")}
        </Link>
        {hit.kind === "file" && hit.file_id && (
          <a className="btn btn-small" href={recordedFileHref(hit.file_id)} download>
            {t("compliance.search.download", { name: hit.file_name ?? "" })}
          </a>
        )}
        {hit.kind === "message" && hit.message_id && canModerate(hit.state) && <ModerateButton messageId={hit.message_id} onDone={onModerated} />}
      </div>
    </li>
  );
}

/** Searches saved per matter: save the one on screen, run or delete a saved one. */
function SavedSearches({ current, onLoad }: { current: DiscoveryForm | undefined; onLoad: (s: Saved) => void }) {
  const { t, dateTime } = useI18n();
  const [matter, setMatter] = useState("");
  const [name, setName] = useState("");
  const [filter, setFilter] = useState("");
  const list = useAsync(async (signal) => (await ok(api.GET("/api/v1/compliance/ediscovery/saved-searches", { params: { query: filter ? { matter: filter } : {} }, signal }))).items ?? [], [filter]);
  const save = useAction();
  const del = useAction();
  const people = usePeople((list.data ?? []).map((s) => s.created_by));
  const matters = [...new Set((list.data ?? []).map((s) => s.matter))];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!current || !matter.trim() || !name.trim()) return;
    const done = await save.run(() =>
      ok(api.POST("/api/v1/compliance/ediscovery/saved-searches", { body: { matter: matter.trim(), name: name.trim(), query: current.query.trim(), filters: discoveryFilters(current), sort: current.sort } })),
    );
    if (done) {
      setName("");
      list.reload();
    }
  };
  return (
    <section aria-labelledby="saved-title">
      <h3 id="saved-title">{t("compliance.saved")}</h3>
      <form className="filters" onSubmit={submit} aria-label={t("compliance.saved.save")}>
        <Field label={t("compliance.holds.matter")} value={matter} maxLength={200} onChange={(e) => setMatter(e.target.value)} />
        <Field label={t("compliance.saved.name")} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
        <div className="field">
          <button type="submit" className="btn" disabled={!current || save.busy || !matter.trim() || !name.trim()}>
            {t("compliance.saved.save")}
          </button>
          {!current && <p className="field-hint">{t("compliance.saved.searchFirst")}</p>}
        </div>
      </form>
      {save.error !== undefined && <ErrorState error={save.error} />}
      {matters.length > 1 || filter ? (
        <SelectField label={t("compliance.saved.matterFilter")} value={filter} onChange={(e) => setFilter(e.target.value)}>
          <option value="">{t("common.any")}</option>
          {[...new Set([...matters, ...(filter ? [filter] : [])])].map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </SelectField>
      ) : null}
      {list.error !== undefined && <ErrorState error={list.error} retry={list.reload} />}
      {del.error !== undefined && <ErrorState error={del.error} />}
      {list.data && list.data.length === 0 && <Empty>{t("compliance.saved.none")}</Empty>}
      {list.data && list.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">{t("compliance.saved")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("compliance.holds.matter")}</th>
                <th scope="col">{t("compliance.saved.name")}</th>
                <th scope="col">{t("compliance.search.query")}</th>
                <th scope="col">{t("compliance.saved.by")}</th>
                <th scope="col">
                  <span className="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.id}>
                  <td>{s.matter}</td>
                  <th scope="row">{s.name}</th>
                  <td>
                    <code>{s.query}</code>
                  </td>
                  <td>
                    {nameOf(people.get(s.created_by), s.created_by)}, {dateTime(s.created_at)}
                  </td>
                  <td className="row-actions">
                    <button type="button" className="btn btn-small" onClick={() => onLoad(s)}>
                      {t("compliance.saved.run", { name: s.name })}
                    </button>
                    <button
                      type="button"
                      className="btn btn-small btn-ghost"
                      disabled={del.busy}
                      onClick={async () => {
                        const done = await del.run(async () => {
                          await ok(api.DELETE("/api/v1/compliance/ediscovery/saved-searches/{id}", { params: { path: { id: s.id } } }));
                          return true;
                        });
                        if (done) list.reload();
                      }}
                    >
                      {t("compliance.saved.delete", { name: s.name })}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
