import { useEffect, useState, type FormEvent } from "react";
import { api, ok, type User } from "../../api/client";
import { Link } from "../../base/router";
import { Alert } from "../../components/Alert";
import { Avatar } from "../../components/Avatar";
import { Confirm } from "../../components/Confirm";
import { Dialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { ProfileForm } from "../../components/ProfileForm";
import { Secret } from "../../components/Secret";
import { ErrorState, Loading } from "../../components/States";
import { AdminNav } from "../../components/SubNav";
import { useAction } from "../../components/useAction";
import { useAsync } from "../../components/useAsync";
import { useI18n } from "../../i18n";
import { RoleBadges, StatusBadge } from "./Users";

/** One account for admins: profile, roles, enable/disable, password reset, sign out everywhere. */
export default function AdminUserScreen({ id, me }: { id: string; me: User }) {
  const { t, dateTime } = useI18n();
  const user = useAsync((signal) => ok(api.GET("/api/v1/admin/users/{user}", { params: { path: { user: id } }, signal })), [id]);
  const u = user.data;
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{u ? u.display_name || u.username : t("admin.users")}</h1>
      <AdminNav />
      <p>
        <Link to="/admin/users">← {t("admin.backToUsers")}</Link>
      </p>
      {user.loading && !u && <Loading />}
      {user.error !== undefined && <ErrorState error={user.error} retry={user.reload} />}
      {u && (
        <>
          <div className="profile-head">
            <Avatar user={u} size="xl" />
            <div>
              <p className="muted">
                @{u.username} · {t(`source.${u.source}`)}
              </p>
              <p>
                <StatusBadge user={u} t={t} /> <RoleBadges user={u} t={t} />
              </p>
              <p className="muted">
                {t("admin.lastLogin")}: {dateTime(u.last_login_at)}
              </p>
            </div>
          </div>
          <Access user={u} me={me} onChange={user.setData} />
          <Roles user={u} onChange={user.setData} />
          <ProfileForm
            user={u}
            directoryNote={t("admin.managedByDirectory")}
            save={(body) => ok(api.PATCH("/api/v1/admin/users/{user}", { params: { path: { user: u.id } }, body }))}
            onSaved={user.setData}
          />
        </>
      )}
    </div>
  );
}

function Access({ user, me, onChange }: { user: User; me: User; onChange: (u: User) => void }) {
  const { t } = useI18n();
  const act = useAction();
  const [confirmDisable, setConfirmDisable] = useState(false);
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState("");
  const [generated, setGenerated] = useState("");
  const [notice, setNotice] = useState("");
  const disabled = user.status === "disabled";

  const setStatus = async (status: "active" | "disabled") => {
    setConfirmDisable(false);
    const u = await act.run(() => ok(api.PATCH("/api/v1/admin/users/{user}", { params: { path: { user: user.id } }, body: { status } })));
    if (u) {
      onChange(u);
      setNotice(status === "disabled" ? t("admin.disabledNotice") : t("admin.enabledNotice"));
    }
  };
  const revoke = async () => {
    const done = await act.run(async () => {
      await ok(api.POST("/api/v1/admin/users/{user}/revoke-sessions", { params: { path: { user: user.id } } }));
      return true;
    });
    if (done) setNotice(t("admin.revokedNotice"));
  };
  const reset = async (e: FormEvent) => {
    e.preventDefault();
    const res = await act.run(() => ok(api.POST("/api/v1/admin/users/{user}/password", { params: { path: { user: user.id } }, body: { password } })));
    if (res) {
      setPassword("");
      if (res.password) setGenerated(res.password);
      else {
        setResetting(false);
        setNotice(t("admin.passwordSet"));
      }
    }
  };

  return (
    <section className="card" aria-labelledby="access-title">
      <h2 id="access-title">{t("admin.access")}</h2>
      {notice && <Alert kind="success">{notice}</Alert>}
      {act.error !== undefined && !resetting && <ErrorState error={act.error} />}
      <div className="actions">
        {disabled ? (
          <button type="button" className="btn" disabled={act.busy} onClick={() => void setStatus("active")}>
            {t("admin.enable")}
          </button>
        ) : (
          <button type="button" className="btn btn-danger" disabled={act.busy || user.id === me.id} onClick={() => setConfirmDisable(true)}>
            {t("admin.disable")}
          </button>
        )}
        {user.source === "local" && (
          <button type="button" className="btn" disabled={act.busy} onClick={() => setResetting(true)}>
            {t("admin.resetPassword")}
          </button>
        )}
        <button type="button" className="btn" disabled={act.busy} onClick={() => setConfirmRevoke(true)}>
          {t("admin.revokeSessions")}
        </button>
      </div>
      {user.id === me.id && <p className="muted">{t("admin.cannotDisableSelf")}</p>}
      <Confirm
        open={confirmRevoke}
        title={t("confirm.revokeTitle", { name: user.display_name || user.username })}
        text={t("confirm.revokeText")}
        confirm={t("admin.revokeSessions")}
        onClose={() => setConfirmRevoke(false)}
        onConfirm={() => void revoke()}
      />
      <Dialog
        title={t("admin.disableTitle", { name: user.display_name || user.username })}
        open={confirmDisable}
        onClose={() => setConfirmDisable(false)}
        footer={
          <>
            <button type="button" className="btn" onClick={() => setConfirmDisable(false)}>
              {t("common.cancel")}
            </button>
            <button type="button" className="btn btn-danger" onClick={() => void setStatus("disabled")}>
              {t("admin.disable")}
            </button>
          </>
        }
      >
        <p>{t("admin.disableText")}</p>
      </Dialog>
      <Dialog
        title={t("admin.resetPassword")}
        open={resetting}
        onClose={() => {
          setResetting(false);
          setGenerated("");
          act.clear();
        }}
      >
        {generated ? (
          <Secret label={t("admin.generatedPassword")} value={generated} />
        ) : (
          <form className="form" onSubmit={reset}>
            <Field
              label={t("password.new")}
              type="password"
              autoComplete="new-password"
              hint={t("admin.passwordHint")}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {act.error !== undefined && <ErrorState error={act.error} />}
            <button type="submit" className="btn btn-primary" disabled={act.busy}>
              {t("admin.resetPassword")}
            </button>
          </form>
        )}
      </Dialog>
    </section>
  );
}

function Roles({ user, onChange }: { user: User; onChange: (u: User) => void }) {
  const { t } = useI18n();
  const [roles, setRoles] = useState<string[]>(user.roles ?? []);
  const save = useAction();
  const [saved, setSaved] = useState(false);
  useEffect(() => setRoles(user.roles ?? []), [user]);
  const changed = [...roles].sort().join() !== [...(user.roles ?? [])].sort().join();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const u = await save.run(() => ok(api.PATCH("/api/v1/admin/users/{user}", { params: { path: { user: user.id } }, body: { roles } })));
    if (u) {
      onChange(u);
      setSaved(true);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="roles-title">
      <h2 id="roles-title">{t("admin.roles")}</h2>
      <fieldset className="checkbox-group">
        <legend className="sr-only">{t("admin.roles")}</legend>
        {(["admin", "compliance"] as const).map((r) => (
          <label key={r}>
            <input
              type="checkbox"
              checked={roles.includes(r)}
              onChange={() => {
                setSaved(false);
                setRoles((rs) => (rs.includes(r) ? rs.filter((x) => x !== r) : [...rs, r]));
              }}
            />{" "}
            {t(`role.${r}`)} <span className="muted">— {t(`role.${r}Help`)}</span>
          </label>
        ))}
      </fieldset>
      {save.error !== undefined && <ErrorState error={save.error} />}
      {saved && <Alert kind="success">{t("admin.rolesSaved")}</Alert>}
      <button type="submit" className="btn btn-primary" disabled={save.busy || !changed}>
        {t("common.save")}
      </button>
    </form>
  );
}
