import { api, ok } from "../api/client";
import { href, Link, navigate } from "../base/router";
import { refreshChannel } from "../chat/runtime";
import { hasRole, sessionStore } from "../platform/session";
import { useStore } from "../base/store";
import { ProfileCard } from "../components/ProfileCard";
import { ErrorState, Loading } from "../components/States";
import { useAsync } from "../components/useAsync";
import { useAction } from "../components/useAction";
import { useT } from "../i18n";

/** One colleague's profile card, at /people/:username. */
export function PersonScreen({ username }: { username: string }) {
  const t = useT();
  const session = useStore(sessionStore);
  const isAdmin = session.status === "signed-in" && hasRole(session.user, "admin");
  const me = session.status === "signed-in" ? session.user.id : "";
  const action = useAction();
  const message = (id: string) =>
    void action.run(async () => {
      const c = await ok(api.POST("/api/v1/channels/direct", { body: { user_ids: [id] } }));
      await refreshChannel(c.id);
      navigate(href("/c/:id", { id: c.id }));
    });
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
            <>
              {person.data.id !== me && person.data.active && (
                <button type="button" className="btn btn-primary" disabled={action.busy} onClick={() => message(person.data?.id ?? "")}>
                  {t("people.message")}
                </button>
              )}
              {isAdmin && (
                <Link className="btn" to={href("/admin/users/:user", { user: person.data.id })}>
                  {t("people.manage")}
                </Link>
              )}
            </>
          }
        />
      )}
      {action.error !== undefined && <ErrorState error={action.error} />}
    </div>
  );
}
