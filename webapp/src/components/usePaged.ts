import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";

export interface Page<T> {
  items: T[];
  /** Cursor for the next page; undefined or "" at the end. */
  next?: string | undefined;
}

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  more: () => void;
  reload: () => void;
  /** Replace one item in place (after an edit). */
  update: (match: (item: T) => boolean, next: T) => void;
}

/** A list that loads page after page ("Load more"); starts over when deps change. */
export function usePaged<T>(fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>, deps: DependencyList): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [gen, setGen] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const ctl = useRef<AbortController | null>(null);

  const load = useCallback((cursor: string | undefined, replace: boolean) => {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setLoading(true);
    fetchRef.current(cursor, c.signal).then(
      (page) => {
        if (c.signal.aborted) return;
        setItems((prev) => (replace ? page.items : [...prev, ...page.items]));
        setNext(page.next || undefined);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (c.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    load(undefined, true);
    return () => ctl.current?.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, gen]);

  return {
    items,
    loading,
    error,
    hasMore: next !== undefined,
    more: () => next !== undefined && load(next, false),
    reload: () => setGen((g) => g + 1),
    update: (match, item) => setItems((prev) => prev.map((p) => (match(p) ? item : p))),
  };
}
