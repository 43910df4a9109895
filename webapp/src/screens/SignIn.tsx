import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../api/errors";
import { errorMessage } from "../api/messages";
import { signIn, type SignedOutReason } from "../platform/session";
import { Alert } from "../components/Alert";
import { Field } from "../components/Field";
import { LanguageSelect } from "../components/LanguageSelect";
import { useI18n } from "../i18n";

/** Sign-in for local and directory (LDAP) accounts alike: the server decides which it is. */
export function SignInScreen({ reason }: { reason?: SignedOutReason | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [waitUntil, setWaitUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const passwordRef = useRef<HTMLInputElement>(null);
  const userRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = `${t("signin.title")} · Kontor`;
  }, [t]);

  // While rate limited, count down so the message and the button follow the wait.
  useEffect(() => {
    if (waitUntil <= Date.now()) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [waitUntil]);
  const waiting = waitUntil > now;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || waiting) return;
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username.trim(), password);
    } catch (err) {
      setError(err);
      setPassword("");
      if (err instanceof ApiError && err.code === "rate_limited" && err.retryAfter) {
        setWaitUntil(Date.now() + err.retryAfter * 1000);
        setNow(Date.now());
      }
      if (err instanceof ApiError && err.field("body.username")) userRef.current?.focus();
      else passwordRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  let message = error === undefined ? "" : errorMessage(error, i18n);
  if (waiting) message = t("error.rate_limited_wait", { wait: i18n.wait((waitUntil - now) / 1000) });
  else if (error instanceof ApiError && error.code === "rate_limited") message = t("signin.tryAgainNow");

  return (
    <div className="signin-page">
      <main className="signin-card" id="main">
        <div className="signin-brand">
          <img src="/icons/icon.svg" alt="" width="48" height="48" />
          <h1>{t("signin.title")}</h1>
        </div>
        {reason === "account_disabled" && <Alert kind="warning">{t("signin.reasonDisabled")}</Alert>}
        {reason === "session_expired" && <Alert kind="info">{t("signin.reasonExpired")}</Alert>}
        {reason === "signed_out" && <Alert kind="success">{t("signin.reasonSignedOut")}</Alert>}
        <form onSubmit={submit} noValidate aria-describedby="signin-help">
          <p id="signin-help" className="muted">
            {t("signin.help")}
          </p>
          <Field
            ref={userRef}
            label={t("signin.username")}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <Field
            ref={passwordRef}
            label={t("signin.password")}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {message && <Alert kind="error">{message}</Alert>}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy || waiting || !username.trim()}>
            {busy ? t("signin.busy") : t("signin.submit")}
          </button>
        </form>
        <LanguageSelect className="signin-language" />
      </main>
    </div>
  );
}
