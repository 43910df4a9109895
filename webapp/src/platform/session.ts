// Who is signed in. The server keeps the session in an HttpOnly cookie;
// the app learns about it from GET /auth/session at start and from any
// request that answers "session gone" (expired, revoked, account
// disabled), which sends the person back to the sign-in screen with the
// reason.
//
// The last signed-in user is kept in localStorage so that the installed
// app can open its shell without a network; it is removed on sign-out.

import { api, ok, onSessionLost, setCsrfToken, type User } from "../api/client";
import { ApiError, NetworkError } from "../api/errors";
import { connectivity } from "./connectivity";
import { readPref, writePref } from "./prefs";
import { createStore } from "../base/store";

/** Why the sign-in screen is showing, when it is not the first visit. */
export type SignedOutReason = "signed_out" | "session_expired" | "account_disabled";

export type SessionState =
  | { status: "loading" }
  | { status: "signed-out"; reason?: SignedOutReason }
  | { status: "signed-in"; user: User; offline?: boolean }
  | { status: "unreachable" };

export const sessionStore = createStore<SessionState>({ status: "loading" });

function remember(user: User | null): void {
  writePref("me", user ? JSON.stringify(user) : null);
}

function remembered(): User | null {
  const raw = readPref("me");
  if (!raw) return null;
  try {
    return JSON.parse(raw) as User;
  } catch {
    return null;
  }
}

function signedIn(user: User, csrf: string | undefined): void {
  setCsrfToken(csrf);
  remember(user);
  sessionStore.set({ status: "signed-in", user });
  if (!user.time_zone) void rememberTimeZone();
}

/** Tells the server this browser's time zone, so colleagues see the local time; once, when none is set. */
async function rememberTimeZone(): Promise<void> {
  const tz = browserTimeZone();
  if (!tz) return;
  try {
    updateUser(await ok(api.PATCH("/api/v1/users/me", { body: { time_zone: tz } })));
  } catch {
    // Not worth bothering anyone: the next sign-in tries again.
  }
}

export function browserTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

function signedOut(reason?: SignedOutReason): void {
  setCsrfToken(undefined);
  remember(null);
  sessionStore.set(reason ? { status: "signed-out", reason } : { status: "signed-out" });
}

/** Asks the server who we are; called at start and when the network is back. */
export async function loadSession(): Promise<void> {
  try {
    const s = await ok(api.GET("/api/v1/auth/session"));
    signedIn(s.user, s.csrf_token);
  } catch (err) {
    if (err instanceof NetworkError) {
      const user = remembered();
      sessionStore.set(user ? { status: "signed-in", user, offline: true } : { status: "unreachable" });
      return;
    }
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      signedOut(err.code === "account_disabled" ? "account_disabled" : undefined);
      return;
    }
    sessionStore.set({ status: "unreachable" });
  }
}

/**
 * The server closed the realtime connection because the session ended
 * (signed out elsewhere, disabled, password reset): confirm and show the
 * sign-in page with the reason.
 */
export async function sessionEnded(): Promise<void> {
  try {
    await ok(api.GET("/api/v1/auth/session"));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403) && sessionStore.get().status === "signed-in") {
      signedOut(err.code === "account_disabled" ? "account_disabled" : "session_expired");
    }
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  const res = await ok(api.POST("/api/v1/auth/login", { body: { username, password } }));
  signedIn(res.user, res.csrf_token);
}

export async function signOut(): Promise<void> {
  try {
    await ok(api.POST("/api/v1/auth/logout"));
  } catch (err) {
    // Signed out already (expired, revoked) is what we wanted anyway.
    if (!(err instanceof ApiError)) throw err;
  }
  signedOut("signed_out");
}

/** Puts a changed own profile into the header and the offline copy. */
export function updateUser(user: User): void {
  const s = sessionStore.get();
  if (s.status === "signed-in") {
    remember(user);
    sessionStore.set({ ...s, user });
  }
}

/** Remembers where a person was (a conversation), to land there at the next sign-in. */
export function rememberPlace(user: User, path: string): void {
  writePref(`place.${user.id}`, path);
}

/** Where the person was last, if the app remembers it. */
export function lastPlace(user: User): string | undefined {
  const p = readPref(`place.${user.id}`);
  return p && p.startsWith("/") && !p.startsWith("//") ? p : undefined;
}

/** Whether the person holds a role (admin, compliance); the server checks again on every request. */
export function hasRole(user: User, role: string): boolean {
  return (user.roles ?? []).includes(role);
}

export function startSession(): void {
  onSessionLost((err) => {
    if (sessionStore.get().status !== "signed-in") return;
    signedOut(err.code === "account_disabled" ? "account_disabled" : "session_expired");
  });
  // Offline with a remembered user, or no server at all: check again when
  // the network may be back, and every 15 seconds meanwhile.
  const retry = () => {
    const s = sessionStore.get();
    if (s.status === "unreachable" || (s.status === "signed-in" && s.offline)) void loadSession();
  };
  connectivity.onMaybeBack(retry);
  setInterval(retry, 15_000);
  connectivity.store.subscribe(() => {
    const s = sessionStore.get();
    if (connectivity.store.get() === "online" && s.status === "signed-in" && s.offline) void loadSession();
  });
  void loadSession();
}
