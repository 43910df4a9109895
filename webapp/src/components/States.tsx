import { errorMessage } from "../api/messages";
import { useI18n } from "../i18n";
import { Alert } from "./Alert";

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {t("common.loading")}
    </p>
  );
}

/** An API error as a sentence in the person's language, with a retry button when given one. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const i18n = useI18n();
  return (
    <Alert kind="error">
      {errorMessage(error, i18n)}{" "}
      {retry && (
        <button type="button" className="btn btn-link" onClick={retry}>
          {i18n.t("common.retry")}
        </button>
      )}
    </Alert>
  );
}

export function Empty({ children }: { children: string }) {
  return <p className="empty">{children}</p>;
}
