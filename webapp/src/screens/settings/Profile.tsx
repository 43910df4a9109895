import { useState, type FormEvent } from "react";
import { api, ok, type User } from "../../api/client";
import { browserTimeZone, updateUser } from "../../platform/session";
import { Alert } from "../../components/Alert";
import { Avatar } from "../../components/Avatar";
import { Field } from "../../components/Field";
import { ProfileForm } from "../../components/ProfileForm";
import { ErrorState } from "../../components/States";
import { SettingsNav } from "../../components/SubNav";
import { useAction } from "../../components/useAction";
import { useT } from "../../i18n";

/** Own profile (editable for local accounts; directory accounts are kept by IT) and password. */
export function ProfileScreen({ user }: { user: User }) {
  const t = useT();
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("nav.profile")}</h1>
      <SettingsNav />
      <div className="profile-head">
        <Avatar user={user} size="xl" presence />
        <div>
          <p className="profile-card-name">{user.display_name}</p>
          <p className="muted">@{user.username}</p>
          <p className="muted">{user.source === "ldap" ? t("profile.sourceLdap") : t("profile.sourceLocal")}</p>
        </div>
      </div>
      <ProfileForm
        user={user}
        directoryNote={t("profile.managedByDirectory")}
        save={(body) => ok(api.PATCH("/api/v1/users/me", { body }))}
        onSaved={updateUser}
      />
      {user.source === "local" && <PictureForm user={user} />}
      <TimeZoneForm user={user} />
      {user.source === "local" && <PasswordForm />}
    </div>
  );
}

/** Upload or remove one's own picture (directory accounts get theirs from the directory). */
function PictureForm({ user }: { user: User }) {
  const t = useT();
  const [done, setDone] = useState(false);
  const action = useAction();
  const upload = async (file: File | undefined) => {
    if (!file) return;
    setDone(false);
    const u = await action.run(() =>
      ok(
        api.PUT("/api/v1/users/me/avatar", {
          // The bytes as they are: the server checks what they are.
          body: file as unknown as string,
          bodySerializer: (b: unknown) => b as BodyInit,
          headers: { "Content-Type": file.type || "application/octet-stream" },
        }),
      ),
    );
    if (u) {
      updateUser(u);
      setDone(true);
    }
  };
  const remove = async () => {
    setDone(false);
    const u = await action.run(() => ok(api.DELETE("/api/v1/users/me/avatar")));
    if (u) updateUser(u);
  };
  return (
    <section className="card form" aria-labelledby="picture-title">
      <h2 id="picture-title">{t("profile.picture")}</h2>
      <p className="muted">{t("profile.pictureHint")}</p>
      <div className="actions">
        <label className="btn">
          {t("profile.pictureChoose")}
          <input
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            className="sr-only"
            onChange={(e) => void upload(e.target.files?.[0])}
            disabled={action.busy}
          />
        </label>
        {user.has_avatar && (
          <button type="button" className="btn" onClick={() => void remove()} disabled={action.busy}>
            {t("profile.pictureRemove")}
          </button>
        )}
      </div>
      {action.error !== undefined && <ErrorState error={action.error} />}
      {done && <Alert kind="success">{t("profile.pictureSaved")}</Alert>}
    </section>
  );
}

/** The one profile field everyone keeps themselves, directory accounts too. */
function TimeZoneForm({ user }: { user: User }) {
  const t = useT();
  const [tz, setTz] = useState(user.time_zone || browserTimeZone() || "");
  const [done, setDone] = useState(false);
  const save = useAction();
  const zones = timeZones(tz);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    const u = await save.run(() => ok(api.PATCH("/api/v1/users/me", { body: { time_zone: tz } })));
    if (u) {
      updateUser(u);
      setDone(true);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="tz-form-title">
      <h2 id="tz-form-title">{t("profile.timeZone")}</h2>
      <label className="field">
        <span className="field-label">{t("profile.timeZone")}</span>
        <select value={tz} onChange={(e) => setTz(e.target.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, " ")}
            </option>
          ))}
        </select>
      </label>
      {save.error !== undefined && <ErrorState error={save.error} />}
      {done && <Alert kind="success">{t("profile.timeZoneSaved")}</Alert>}
      <button type="submit" className="btn btn-primary" disabled={save.busy}>
        {t("common.save")}
      </button>
    </form>
  );
}

/** Every IANA zone the browser knows, with current first if it is missing. */
function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return current && !all.includes(current) ? [current, ...all] : all;
}

function PasswordForm() {
  const t = useT();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const change = useAction();
  const mismatch = repeat !== "" && next !== repeat;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setDone(false);
    const res = await change.run(async () => {
      await ok(api.POST("/api/v1/auth/password", { body: { current_password: current, new_password: next } }));
      return true;
    });
    if (res) {
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="password-form-title">
      <h2 id="password-form-title">{t("password.title")}</h2>
      <div className="form-grid">
        <Field label={t("password.current")} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        <Field label={t("password.new")} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required />
        <Field
          label={t("password.repeat")}
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          error={mismatch ? t("password.mismatch") : undefined}
          required
        />
      </div>
      {change.error !== undefined && <ErrorState error={change.error} />}
      {done && <Alert kind="success">{t("password.changed")}</Alert>}
      <button type="submit" className="btn btn-primary" disabled={change.busy || !current || !next || mismatch}>
        {t("password.submit")}
      </button>
    </form>
  );
}
