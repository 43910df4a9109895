import { api, ok } from "../api/client";
import { href, Link, navigate, useLocation } from "../base/router";
import { Avatar } from "../components/Avatar";
import { Field } from "../components/Field";
import { Empty, ErrorState, Loading } from "../components/States";
import { useDebounced } from "../components/useAsync";
import { usePaged } from "../components/usePaged";
import { useT } from "../i18n";

/** The company directory: everyone, searchable by name, title or department. */
export function PeopleScreen() {
  const t = useT();
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const department = query.get("department") ?? "";
  const dq = useDebounced(q, 250);
  const dd = useDebounced(department, 250);
  // The filters live in the address, so a search can be shared and survives reload.
  const setFilter = (k: "q" | "department", v: string) =>
    navigate(href("/people", {}, { q: k === "q" ? v : q, department: k === "department" ? v : department }), { replace: true });

  const people = usePaged(
    async (after, signal) => {
      const page = await ok(
        api.GET("/api/v1/users", {
          params: { query: { q: dq || undefined, department: dd || undefined, after, limit: 48 } },
          signal,
        }),
      );
      return { items: page.items ?? [], next: page.next };
    },
    [dq, dd],
  );

  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("people.title")}</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label={t("people.search")} type="search" value={q} placeholder={t("people.searchPlaceholder")} onChange={(e) => setFilter("q", e.target.value)} />
        <Field label={t("profile.department")} value={department} onChange={(e) => setFilter("department", e.target.value)} />
      </form>
      {people.error !== undefined && <ErrorState error={people.error} retry={people.reload} />}
      <ul className="people-grid" aria-label={t("people.results")} aria-busy={people.loading}>
        {people.items.map((p) => (
          <li key={p.id}>
            <Link to={href("/people/:user", { user: p.username })} className="person-tile">
              <Avatar user={p} size="lg" presence />
              <span className="person-name">{p.display_name}</span>
              <span className="muted">{p.title}</span>
              <span className="muted">{p.department}</span>
            </Link>
          </li>
        ))}
      </ul>
      {people.loading && <Loading />}
      {!people.loading && !people.error && people.items.length === 0 && <Empty>{t("people.none")}</Empty>}
      {people.hasMore && !people.loading && (
        <button type="button" className="btn" onClick={people.more}>
          {t("common.loadMore")}
        </button>
      )}
    </div>
  );
}
