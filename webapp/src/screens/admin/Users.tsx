import { useState, type FormEvent } from "react";
import { api, ApiError, ok, type User } from "../../api/client";
import { href, Link } from "../../base/router";
import { Avatar } from "../../components/Avatar";
import { Dialog } from "../../components/Dialog";
import { Field, SelectField } from "../../components/Field";
import { Secret } from "../../components/Secret";
import { Empty, ErrorState, Loading } from "../../components/States";
import { AdminNav } from "../../components/SubNav";
import { useAction } from "../../components/useAction";
import { useDebounced } from "../../components/useAsync";
import { usePaged } from "../../components/usePaged";
import { useI18n, type Translate } from "../../i18n";

type Role = "" | "admin" | "compliance" | "member";
type Status = "" | "active" | "disabled";
type Source = "" | "local" | "ldap";

/** Admin console: every account, with search and filters, and "new account". */
export default function AdminUsersScreen() {
  const { t, dateTime } = useI18n();
  const [q, setQ] = useState("");
  const [role, setRole] = useState<Role>("");
  const [status, setStatus] = useState<Status>("");
  const [source, setSource] = useState<Source>("");
  const [creating, setCreating] = useState(false);
  const dq = useDebounced(q, 250);
  const users = usePaged(
    async (after, signal) => {
      const page = await ok(api.GET("/api/v1/admin/users", { params: { query: { q: dq || undefined, role, status, source, after, limit: 50 } }, signal }));
      return { items: page.items ?? [], next: page.next };
    },
    [dq, role, status, source],
  );

  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("admin.title")}</h1>
      <AdminNav />
      <div className="card-head">
        <h2>{t("admin.users")}</h2>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          {t("admin.newUser")}
        </button>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label={t("admin.search")} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        <SelectField label={t("admin.role")} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="">{t("common.any")}</option>
          <option value="admin">{t("role.admin")}</option>
          <option value="compliance">{t("role.compliance")}</option>
          <option value="member">{t("role.member")}</option>
        </SelectField>
        <SelectField label={t("admin.status")} value={status} onChange={(e) => setStatus(e.target.value as Status)}>
          <option value="">{t("common.any")}</option>
          <option value="active">{t("status.active")}</option>
          <option value="disabled">{t("status.disabled")}</option>
        </SelectField>
        <SelectField label={t("admin.source")} value={source} onChange={(e) => setSource(e.target.value as Source)}>
          <option value="">{t("common.any")}</option>
          <option value="local">{t("source.local")}</option>
          <option value="ldap">{t("source.ldap")}</option>
        </SelectField>
      </form>
      {users.error !== undefined && <ErrorState error={users.error} retry={users.reload} />}
      <div className="table-wrap">
        <table aria-busy={users.loading}>
          <caption className="sr-only">{t("admin.users")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.person")}</th>
              <th scope="col">{t("profile.department")}</th>
              <th scope="col">{t("admin.roles")}</th>
              <th scope="col">{t("admin.status")}</th>
              <th scope="col">{t("admin.source")}</th>
              <th scope="col">{t("admin.lastLogin")}</th>
            </tr>
          </thead>
          <tbody>
            {users.items.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link to={href("/admin/users/:user", { user: u.id })} className="person-inline">
                    <Avatar user={u} size="sm" />
                    <span>
                      {u.display_name} <span className="muted">@{u.username}</span>
                    </span>
                  </Link>
                </td>
                <td>{u.department}</td>
                <td>
                  <RoleBadges user={u} t={t} />
                </td>
                <td>
                  <StatusBadge user={u} t={t} />
                </td>
                <td>{t(`source.${u.source}`)}</td>
                <td>{dateTime(u.last_login_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {users.loading && <Loading />}
      {!users.loading && users.items.length === 0 && !users.error && <Empty>{t("admin.noUsers")}</Empty>}
      {users.hasMore && !users.loading && (
        <button type="button" className="btn" onClick={users.more}>
          {t("common.loadMore")}
        </button>
      )}
      <CreateUserDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => users.reload()}
      />
    </div>
  );
}

export function RoleBadges({ user, t }: { user: User; t: Translate }) {
  const roles = user.roles ?? [];
  return (
    <>
      {roles.length === 0 && <span className="muted">{t("role.member")}</span>}
      {roles.map((r) => (
        <span key={r} className="badge">
          {r === "admin" || r === "compliance" ? t(`role.${r}`) : r}
        </span>
      ))}
    </>
  );
}

export function StatusBadge({ user, t }: { user: User; t: Translate }) {
  return <span className={`badge ${user.status === "disabled" ? "badge-warn" : "badge-ok"}`}>{t(`status.${user.status}`)}</span>;
}

function CreateUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const { t } = useI18n();
  const empty = { username: "", display_name: "", email: "", department: "", title: "", password: "" };
  const [form, setForm] = useState(empty);
  const [roles, setRoles] = useState<string[]>([]);
  const [created, setCreated] = useState<{ user: User; password?: string | undefined }>();
  const create = useAction();
  const set = (k: keyof typeof empty) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const toggleRole = (r: string) => setRoles((rs) => (rs.includes(r) ? rs.filter((x) => x !== r) : [...rs, r]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await create.run(() => ok(api.POST("/api/v1/admin/users", { body: { ...form, username: form.username.trim(), roles } })));
    if (res) {
      setCreated(res);
      onCreated();
    }
  };
  const close = () => {
    setForm(empty);
    setRoles([]);
    setCreated(undefined);
    create.clear();
    onClose();
  };
  const fieldError = (loc: string) => (create.error instanceof ApiError ? create.error.field(loc) : undefined);

  return (
    <Dialog title={t("admin.newUser")} open={open} onClose={close}>
      {created ? (
        <div className="form">
          <p>{t("admin.created", { name: created.user.display_name || created.user.username })}</p>
          {created.password && <Secret label={t("admin.generatedPassword")} value={created.password} />}
          <Link className="btn" to={href("/admin/users/:user", { user: created.user.id })} onClick={close}>
            {t("admin.openUser")}
          </Link>
        </div>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <div className="form-grid">
            <Field label={t("signin.username")} value={form.username} onChange={set("username")} required maxLength={64} autoFocus error={fieldError("body.username")} />
            <Field label={t("profile.displayName")} value={form.display_name} onChange={set("display_name")} maxLength={200} />
            <Field label={t("profile.email")} type="email" value={form.email} onChange={set("email")} maxLength={254} error={fieldError("body.email")} />
            <Field label={t("profile.department")} value={form.department} onChange={set("department")} maxLength={200} />
            <Field label={t("profile.title")} value={form.title} onChange={set("title")} maxLength={200} />
            <Field
              label={t("signin.password")}
              type="password"
              autoComplete="new-password"
              hint={t("admin.passwordHint")}
              value={form.password}
              onChange={set("password")}
              error={fieldError("body.password")}
            />
          </div>
          <fieldset className="checkbox-group">
            <legend>{t("admin.roles")}</legend>
            {(["admin", "compliance"] as const).map((r) => (
              <label key={r}>
                <input type="checkbox" checked={roles.includes(r)} onChange={() => toggleRole(r)} /> {t(`role.${r}`)}
              </label>
            ))}
          </fieldset>
          {create.error !== undefined && <ErrorState error={create.error} />}
          <button type="submit" className="btn btn-primary" disabled={create.busy || !form.username.trim()}>
            {t("admin.create")}
          </button>
        </form>
      )}
    </Dialog>
  );
}
