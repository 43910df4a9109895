import { useEffect, useState } from "react";
import { api, ok, type Schemas, type User } from "../api/client";
import { href, navigate, useLocation } from "../base/router";
import { useStore } from "../base/store";
import { channelsStore } from "../chat/runtime";
import { nameOf, peopleStore, requestPeople } from "../chat/people";
import { channelLabel } from "../chat/ui/names";
import { Empty, ErrorState, Loading } from "../components/States";
import { useI18n, useT } from "../i18n";
import { hasOperator, parseSnippet, toggleOperator, withoutMarks } from "./query";

type Hit = Schemas["Hit"];

function Snippet({ html }: { html: string }) {
  return (
    <p className="snippet">
      {withoutMarks(parseSnippet(html)).map((s, i) => (s.mark ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}
    </p>
  );
}

/** /search?q=…&sort=newest — results of the query language with filter chips; a click opens the message in its channel. */
export function SearchScreen({ user }: { user: User }) {
  const t = useT();
  const { dateTime } = useI18n();
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const sort = query.get("sort") === "newest" ? "newest" : "relevance";
  const [pages, setPages] = useState<{ items: Hit[]; total: number; page: number }>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const channels = useStore(channelsStore).byId;
  const people = useStore(peopleStore);

  const load = async (page: number, signal?: AbortSignal) => {
    setLoading(true);
    setError(undefined);
    try {
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const r = await ok(api.GET("/api/v1/search", { params: { query: { q, sort, page, per_page: 20, tz } }, signal }));
      requestPeople((r.items ?? []).map((h) => h.author_id));
      setPages((prev) => ({ items: page === 1 ? (r.items ?? []) : [...(prev?.items ?? []), ...(r.items ?? [])], total: r.total, page }));
    } catch (e) {
      if (!(e instanceof DOMException && e.name === "AbortError")) setError(e);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    if (!q.trim()) {
      setPages(undefined);
      return;
    }
    const ctl = new AbortController();
    void load(1, ctl.signal);
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q, sort]);

  const go = (nextQ: string, nextSort = sort) => navigate(href("/search", {}, { q: nextQ, sort: nextSort === "newest" ? "newest" : "" }), { replace: true });
  const chips: { op: string; label: string }[] = [
    { op: "has:file", label: t("search.chipFiles") },
    { op: "has:link", label: t("search.chipLinks") },
    { op: "is:thread", label: t("search.chipThreads") },
    { op: `from:@${user.username}`, label: t("search.chipMine") },
  ];
  const where = (h: Hit) => {
    const c = channels.get(h.channel_id);
    if (c) return channelLabel(c, user.id, people, t);
    return h.channel_name ? `#${h.channel_name}` : t("search.directMessage");
  };
  const open = (h: Hit) => navigate(`${href("/c/:id", { id: h.channel_id })}?m=${encodeURIComponent(h.message_id)}`);

  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("search.title")}</h1>
      <div className="chips" role="group" aria-label={t("search.filters")}>
        {chips.map((c) => (
          <button key={c.op} type="button" className="chip-toggle" aria-pressed={hasOperator(q, c.op)} onClick={() => go(toggleOperator(q, c.op))}>
            {c.label}
          </button>
        ))}
        <button type="button" className="chip-toggle" aria-pressed={sort === "newest"} onClick={() => go(q, sort === "newest" ? "relevance" : "newest")}>
          {t("search.newestFirst")}
        </button>
      </div>
      <details className="search-help">
        <summary>{t("search.helpTitle")}</summary>
        <p>{t("search.help")}</p>
      </details>
      {!q.trim() && <Empty>{t("search.empty")}</Empty>}
      {error !== undefined && <ErrorState error={error} />}
      {pages && (
        <p role="status" className="muted">
          {t("search.total", { count: pages.total })}
        </p>
      )}
      <ol className="results" aria-label={t("search.results")}>
        {(pages?.items ?? []).map((h) => (
          <li key={`${h.kind}-${h.id}`}>
            <button type="button" className="result" onClick={() => open(h)}>
              <span className="result-head">
                <strong>{where(h)}</strong>
                <span className="muted">
                  {nameOf(people.get(h.author_id), h.author_username)} · {dateTime(h.at)}
                </span>
              </span>
              {h.kind === "file" && <span className="result-file">{h.file_name}</span>}
              <Snippet html={h.snippet} />
            </button>
          </li>
        ))}
      </ol>
      {loading && <Loading />}
      {pages && !loading && pages.items.length < pages.total && pages.page < 100 && (
        <button type="button" className="btn" onClick={() => void load(pages.page + 1)}>
          {t("search.more")}
        </button>
      )}
    </div>
  );
}
