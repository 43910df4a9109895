import { Loading } from "../components/States";
import { useT } from "../i18n";
import { NotForYouScreen, NotFoundScreen } from "../screens/NotFound";
import { SignInScreen } from "../screens/SignIn";
import { UnreachableScreen } from "../screens/Unreachable";
import { findRoute } from "./routes";
import { navigate, useLocation } from "../base/router";
import { useEffect, useRef } from "react";
import { hasRole, lastPlace, sessionStore } from "../platform/session";
import { Shell } from "./Shell";
import { useStore } from "../base/store";

/** Picks what to show: sign-in, the unreachable screen, or the shell with the current route. */
export function App() {
  const session = useStore(sessionStore);
  const { path } = useLocation();
  const t = useT();

  // Signing in lands where the person was last (a conversation), not on
  // the home page; opening the app with a session keeps the address.
  const before = useRef(session.status);
  useEffect(() => {
    if (session.status === "signed-in" && before.current === "signed-out" && window.location.pathname === "/") {
      const to = lastPlace(session.user);
      if (to) navigate(to, { replace: true });
    }
    before.current = session.status;
  }, [session]);

  if (session.status === "loading") {
    return (
      <div className="center-page">
        <Loading />
      </div>
    );
  }
  if (session.status === "unreachable") return <UnreachableScreen />;
  if (session.status === "signed-out") return <SignInScreen reason={session.reason} />;

  const { user } = session;
  const hit = findRoute(path);
  const allowed = hit && (!hit.route.role || hasRole(user, hit.route.role));
  // A page for a role the person lacks says whom it is for (its address is no secret: the app's code names it).
  const notForYou = !allowed && hit?.route.role;
  return (
    <Shell user={user} offline={session.offline ?? false} title={allowed ? t(hit.route.title) : t(notForYou ? "notForYou.title" : "notFound.title")}>
      {allowed ? hit.route.render(hit.params, user) : notForYou ? <NotForYouScreen role={notForYou} /> : <NotFoundScreen />}
    </Shell>
  );
}
