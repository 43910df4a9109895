import { useEffect, useState, type FormEvent } from "react";
import { href, navigate, useLocation } from "../base/router";
import { Icon } from "../components/Icon";
import { useT } from "../i18n";

/** The search box in the header: Enter opens the results. */
export function SearchBox() {
  const t = useT();
  const { path, query } = useLocation();
  const current = path === "/search" ? (query.get("q") ?? "") : "";
  const [q, setQ] = useState(current);
  useEffect(() => setQ(current), [current]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim()) navigate(href("/search", {}, { q: q.trim() }));
  };
  return (
    <form role="search" className="search-box" onSubmit={submit} aria-label={t("search.label")}>
      <Icon name="search" />
      <input type="search" aria-label={t("search.label")} placeholder={t("search.placeholder")} value={q} onChange={(e) => setQ(e.target.value)} maxLength={1000} />
    </form>
  );
}
