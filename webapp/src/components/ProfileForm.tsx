import { useEffect, useState, type FormEvent } from "react";
import type { User } from "../api/client";
import { useT } from "../i18n";
import { Alert } from "./Alert";
import { Field } from "./Field";
import { ErrorState } from "./States";
import { useAction } from "./useAction";

export type ProfilePatch = Pick<User, "display_name" | "email" | "title" | "department" | "phone">;

const pick = (u: User): ProfilePatch => ({ display_name: u.display_name, email: u.email, title: u.title, department: u.department, phone: u.phone });

interface Props {
  user: User;
  /** Sends the change; returns the account as the server now has it. */
  save: (patch: ProfilePatch) => Promise<User>;
  onSaved: (u: User) => void;
  /** Shown instead of the save button for directory accounts. */
  directoryNote: string;
}

/** Name, e-mail, title, department and phone of an account; read-only when the directory keeps them. */
export function ProfileForm({ user, save, onSaved, directoryNote }: Props) {
  const t = useT();
  const [form, setForm] = useState(pick(user));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => setForm(pick(user)), [user]);
  const readOnly = user.source === "ldap";
  const set = (k: keyof ProfilePatch) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm((f) => ({ ...f, [k]: e.target.value }));
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const u = await action.run(() => save(form));
    if (u) {
      onSaved(u);
      setSaved(true);
    }
  };
  return (
    <form className="card form" onSubmit={submit} aria-labelledby="profile-form-title">
      <h2 id="profile-form-title">{t("profile.details")}</h2>
      {readOnly && <Alert kind="info">{directoryNote}</Alert>}
      <div className="form-grid">
        <Field label={t("profile.displayName")} value={form.display_name} onChange={set("display_name")} readOnly={readOnly} maxLength={200} />
        <Field label={t("profile.email")} type="email" value={form.email} onChange={set("email")} readOnly={readOnly} maxLength={254} />
        <Field label={t("profile.title")} value={form.title} onChange={set("title")} readOnly={readOnly} maxLength={200} />
        <Field label={t("profile.department")} value={form.department} onChange={set("department")} readOnly={readOnly} maxLength={200} />
        <Field label={t("profile.phone")} type="tel" value={form.phone} onChange={set("phone")} readOnly={readOnly} maxLength={64} />
      </div>
      {action.error !== undefined && <ErrorState error={action.error} />}
      {saved && <Alert kind="success">{t("profile.saved")}</Alert>}
      {!readOnly && (
        <button type="submit" className="btn btn-primary" disabled={action.busy}>
          {t("common.save")}
        </button>
      )}
    </form>
  );
}
