// The one API client: generated types (schema.d.ts, from docs/openapi.json)
// plus openapi-fetch. Screens call it like
//
//   const page = await ok(api.GET("/api/v1/users", { params: { query: { q } } }));
//
// ok() returns the typed body or throws ApiError / NetworkError. The
// middleware below adds the CSRF header to writes, tells the session store
// when the server says the session is gone, and tells the connectivity
// store whether the server answered at all.

import createClient, { type Middleware } from "openapi-fetch";
import { connectivity } from "../platform/connectivity";
import { ApiError, NetworkError, isSessionLost, toApiError } from "./errors";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type User = Schemas["User"];
export type Profile = Schemas["Profile"];
export type Session = Schemas["Session"];
export type APIToken = Schemas["APIToken"];
export type AuditEntry = Schemas["Entry"];
export type DirectoryStatus = Schemas["DirectoryStatus"];
export type SyncReport = Schemas["SyncReport"];

export { ApiError, NetworkError };

// Over HTTPS the server names its cookies with the __Host- prefix (bound to
// this origin, never set by a subdomain); over plain HTTP without it.
const CSRF_COOKIES = ["__Host-kontor_csrf", "kontor_csrf"];
let csrfToken = "";

/** Remembers the token from sign-in or the session call (the cookie has it too). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token ?? "";
}

/** Reads a cookie's value from a document.cookie string. */
export function cookieValue(cookies: string, name: string): string {
  for (const part of cookies.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return "";
}

/** The CSRF token for a write the generated client cannot make (uploads with progress use XMLHttpRequest). */
export function currentCsrf(): string {
  const fromCookie = typeof document === "undefined" ? "" : CSRF_COOKIES.map((name) => cookieValue(document.cookie, name)).find((v) => v !== "") ?? "";
  return fromCookie || csrfToken;
}

type SessionLostListener = (err: ApiError) => void;
const sessionLostListeners = new Set<SessionLostListener>();

/** Called when any request learns that the session has ended. */
export function onSessionLost(fn: SessionLostListener): () => void {
  sessionLostListeners.add(fn);
  return () => sessionLostListeners.delete(fn);
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);
const loginPath = "/api/v1/auth/login";

const kontorMiddleware: Middleware = {
  onRequest({ request }) {
    if (!safeMethods.has(request.method)) {
      const token = currentCsrf();
      if (token) request.headers.set("X-CSRF-Token", token);
    }
    return request;
  },
  async onResponse({ response, schemaPath }) {
    connectivity.reportServerReached();
    if (response.ok || schemaPath === loginPath) return undefined;
    if (response.status !== 401 && response.status !== 403) return undefined;
    const body: unknown = await response
      .clone()
      .json()
      .catch(() => undefined);
    const err = toApiError(response.status, response.headers, body);
    if (isSessionLost(err)) for (const fn of sessionLostListeners) fn(err);
    return undefined;
  },
  onError({ error }) {
    if (!(error instanceof DOMException && error.name === "AbortError")) connectivity.reportServerUnreachable();
    return new NetworkError(error);
  },
};

// Same origin in the browser; an absolute base elsewhere (unit tests),
// where Request needs one.
const baseUrl = typeof location === "undefined" ? "http://kontor.test" : location.origin;
export const api = createClient<paths>({ baseUrl, credentials: "same-origin" });
api.use(kontorMiddleware);

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Awaits an openapi-fetch call: the body on success, ApiError otherwise. */
export async function ok<T>(call: Promise<Result<T>>): Promise<T> {
  let res: Result<T>;
  try {
    res = await call;
  } catch (e) {
    if (e instanceof ApiError || e instanceof NetworkError) throw e;
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new NetworkError(e);
  }
  if (res.error !== undefined || !res.response.ok) {
    throw toApiError(res.response.status, res.response.headers, res.error);
  }
  return res.data as T;
}
