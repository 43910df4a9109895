import { useState } from "react";
import { useT } from "../i18n";
import { Alert } from "./Alert";

/** A secret shown only once (new password, API token), with a copy button. */
export function Secret({ label, value }: { label: string; value: string }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  return (
    <Alert kind="success">
      <p>{label}</p>
      <p className="secret">
        <code data-testid="secret">{value}</code>{" "}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
        >
          {copied ? t("common.copied") : t("common.copy")}
        </button>
      </p>
      <p className="muted">{t("common.shownOnce")}</p>
    </Alert>
  );
}
