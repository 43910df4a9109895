import { useState } from "react";
import { api, ok } from "../api/client";
import { Dialog } from "../components/Dialog";
import { Field } from "../components/Field";
import { ErrorState } from "../components/States";
import { useAction } from "../components/useAction";
import { useT } from "../i18n";

/**
 * Takes a message down with a reason: members then see a placeholder, the
 * record keeps the message, the reason and who did it.
 */
export function ModerateButton({ messageId, onDone }: { messageId: string; onDone: () => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const action = useAction();
  const submit = async () => {
    if (!reason.trim()) return;
    const done = await action.run(() => ok(api.POST("/api/v1/compliance/messages/{id}/moderate", { params: { path: { id: messageId } }, body: { reason: reason.trim() } })));
    if (done) {
      setOpen(false);
      setReason("");
      onDone();
    }
  };
  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => setOpen(true)}>
        {t("compliance.moderate")}
      </button>
      <Dialog
        title={t("compliance.moderate.title")}
        open={open}
        onClose={() => setOpen(false)}
        footer={
          <>
            <button type="button" className="btn" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </button>
            <button type="button" className="btn btn-danger" disabled={action.busy || !reason.trim()} onClick={submit}>
              {t("compliance.moderate")}
            </button>
          </>
        }
      >
        <p>{t("compliance.moderate.text")}</p>
        <Field label={t("compliance.moderate.reason")} value={reason} required maxLength={1000} data-autofocus onChange={(e) => setReason(e.target.value)} />
        {action.error !== undefined && <ErrorState error={action.error} />}
      </Dialog>
    </>
  );
}
