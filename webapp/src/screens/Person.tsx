import { api, ok } from "../api/client";
import { hasRole } from "../app/navigation";
import { href, Link } from "../app/router";
import { sessionStore } from "../app/session";
import { useStore } from "../app/store";
import { ProfileCard } from "../components/ProfileCard";
import { ErrorState, Loading } from "../components/States";
import { useAsync } from "../components/useAsync";
import { useT } from "../i18n";

/** One colleague's profile card, at /people/:username. */
export function PersonScreen({ username }: { username: string }) {
  const t = useT();
  const session = useStore(sessionStore);
  const isAdmin = session.status === "signed-in" && hasRole(session.user, "admin");
  const person = useAsync((signal) => ok(api.GET("/api/v1/users/{user}", { params: { path: { user: username } }, signal })), [username]);
  return (
    <div className="screen">
      <p>
        <Link to="/people">← {t("people.back")}</Link>
      </p>
      <h1 tabIndex={-1} className="sr-only">
        {person.data?.display_name ?? t("people.title")}
      </h1>
      {person.loading && <Loading />}
      {person.error !== undefined && <ErrorState error={person.error} retry={person.reload} />}
      {person.data && (
        <ProfileCard
          person={person.data}
          actions={
            isAdmin ? (
              <Link className="btn" to={href("/admin/users/:user", { user: person.data.id })}>
                {t("people.manage")}
              </Link>
            ) : undefined
          }
        />
      )}
    </div>
  );
}
