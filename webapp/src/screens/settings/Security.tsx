import { useState, type FormEvent } from "react";
import { api, ok } from "../../api/client";
import { signOut } from "../../platform/session";
import { Dialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { Secret } from "../../components/Secret";
import { Empty, ErrorState, Loading } from "../../components/States";
import { SettingsNav } from "../../components/SubNav";
import { useAction } from "../../components/useAction";
import { usePaged } from "../../components/usePaged";
import { useI18n } from "../../i18n";

/** Where I am signed in, and my personal API tokens. */
export function SecurityScreen() {
  const { t } = useI18n();
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("nav.security")}</h1>
      <SettingsNav />
      <Sessions />
      <Tokens />
    </div>
  );
}

function Sessions() {
  const { t, dateTime } = useI18n();
  const list = usePaged(async (after, signal) => {
    const page = await ok(api.GET("/api/v1/auth/sessions", { signal }));
    void after;
    return { items: page.items ?? [], next: page.next };
  }, []);
  const revoke = useAction();
  const end = async (id: string, current: boolean) => {
    if (current) return signOut();
    await revoke.run(() => ok(api.DELETE("/api/v1/auth/sessions/{id}", { params: { path: { id } } })));
    list.reload();
  };
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("security.sessions")}</h2>
      <p className="muted">{t("security.sessionsHelp")}</p>
      {list.error !== undefined && <ErrorState error={list.error} retry={list.reload} />}
      {revoke.error !== undefined && <ErrorState error={revoke.error} />}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t("security.device")}</th>
              <th scope="col">{t("security.ip")}</th>
              <th scope="col">{t("security.signedIn")}</th>
              <th scope="col">{t("security.lastUsed")}</th>
              <th scope="col">
                <span className="sr-only">{t("common.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((s) => (
              <tr key={s.id}>
                <td>
                  {describeAgent(s.user_agent)} {s.current && <span className="badge">{t("security.thisDevice")}</span>}
                </td>
                <td>{s.ip}</td>
                <td>{dateTime(s.created_at)}</td>
                <td>{dateTime(s.last_used_at)}</td>
                <td className="row-actions">
                  <button type="button" className="btn btn-small" disabled={revoke.busy} onClick={() => void end(s.id, s.current)}>
                    {s.current ? t("menu.signOut") : t("security.end")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.loading && <Loading />}
    </section>
  );
}

/** "Chrome on Linux" from a user agent string; the raw string otherwise. */
export function describeAgent(ua: string): string {
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "";
  const os = /Windows/.test(ua) ? "Windows" : /Mac OS X/.test(ua) ? "macOS" : /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Linux/.test(ua) ? "Linux" : "";
  if (browser && os) return `${browser} · ${os}`;
  return browser || os || ua || "—";
}

/** What each choice of access asks the server for (see the API's token scopes). */
const scopesFor = {
  read: ["read"],
  write: ["read", "write"],
  admin: ["read", "write", "admin"],
} satisfies Record<string, ("read" | "write" | "admin")[]>;

function Tokens() {
  const { t, dateTime, date } = useI18n();
  const list = usePaged(async (_after, signal) => {
    const page = await ok(api.GET("/api/v1/auth/tokens", { signal }));
    return { items: page.items ?? [], next: page.next };
  }, []);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [access, setAccess] = useState<keyof typeof scopesFor>("write");
  const [secret, setSecret] = useState("");
  const create = useAction();
  const revoke = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await create.run(() => ok(api.POST("/api/v1/auth/tokens", { body: { name: name.trim(), expires_in_days: Number(days) || 0, scopes: scopesFor[access] } })));
    if (res) {
      setSecret(res.token);
      setName("");
      list.reload();
    }
  };
  const close = () => {
    setCreating(false);
    setSecret("");
    create.clear();
  };
  return (
    <section className="card" aria-labelledby="tokens-title">
      <div className="card-head">
        <h2 id="tokens-title">{t("security.tokens")}</h2>
        <button type="button" className="btn" onClick={() => setCreating(true)}>
          {t("security.newToken")}
        </button>
      </div>
      <p className="muted">{t("security.tokensHelp")}</p>
      {list.error !== undefined && <ErrorState error={list.error} retry={list.reload} />}
      {revoke.error !== undefined && <ErrorState error={revoke.error} />}
      {!list.loading && list.items.length === 0 && <Empty>{t("security.noTokens")}</Empty>}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("security.tokenName")}</th>
                <th scope="col">{t("security.created")}</th>
                <th scope="col">{t("security.expires")}</th>
                <th scope="col">{t("security.access")}</th>
                <th scope="col">{t("security.lastUsed")}</th>
                <th scope="col">
                  <span className="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((tok) => (
                <tr key={tok.id}>
                  <td>{tok.name}</td>
                  <td>{date(tok.created_at)}</td>
                  <td>{tok.expires_at ? date(tok.expires_at) : t("security.noExpiry")}</td>
                  <td>{(tok.scopes ?? []).join(", ")}</td>
                  <td>{dateTime(tok.last_used_at)}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      disabled={revoke.busy}
                      onClick={() =>
                        void revoke.run(() => ok(api.DELETE("/api/v1/auth/tokens/{id}", { params: { path: { id: tok.id } } }))).then(list.reload)
                      }
                    >
                      {t("security.revoke")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title={t("security.newToken")} open={creating} onClose={close}>
        {secret ? (
          <Secret label={t("security.tokenCreated")} value={secret} />
        ) : (
          <form onSubmit={submit} className="form">
            <Field label={t("security.tokenName")} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />
            <Field
              label={t("security.expiresInDays")}
              hint={t("security.expiresHint")}
              type="number"
              min={0}
              max={3650}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
            <label className="field">
              <span className="field-label">{t("security.access")}</span>
              <select value={access} onChange={(e) => setAccess(e.target.value as keyof typeof scopesFor)}>
                <option value="read">{t("security.accessRead")}</option>
                <option value="write">{t("security.accessWrite")}</option>
                <option value="admin">{t("security.accessAdmin")}</option>
              </select>
            </label>
            {create.error !== undefined && <ErrorState error={create.error} />}
            <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>
              {t("security.create")}
            </button>
          </form>
        )}
      </Dialog>
    </section>
  );
}
