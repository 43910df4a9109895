// A small client-side router: the History API, a route table
// (routes.tsx) and <Link>. Enough for Kontor's flat screens; no nested
// layouts or loaders to learn.

import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { createStore, useStore } from "./store";

const current = () => window.location.pathname + window.location.search;
export const locationStore = createStore<string>(typeof window === "undefined" ? "/" : current());

if (typeof window !== "undefined") {
  window.addEventListener("popstate", () => locationStore.set(current()));
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === current()) return;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  locationStore.set(current());
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Location {
  const full = useStore(locationStore);
  const [path = "/", search = ""] = full.split("?");
  return { path, query: new URLSearchParams(search) };
}

/** Matches "/people/:username" against a path; returns the decoded params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const g = got[i] ?? "";
    if (w.startsWith(":")) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

/** Builds "/people/j%20m?x=1" from a pattern, params and query. */
export function href(pattern: string, params: Record<string, string> = {}, query?: Record<string, string>): string {
  const path = pattern.replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(params[k] ?? ""));
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "")).toString() : "";
  return q ? `${path}?${q}` : path;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An <a> that navigates without reloading; modified clicks open tabs as usual. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
