import { Dialog } from "./Dialog";
import { useT } from "../i18n";

interface Props {
  open: boolean;
  title: string;
  /** What happens, in a sentence. */
  text: string;
  /** The destructive button's label ("Archive channel"). */
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}

/**
 * Asks before something that cannot simply be taken back. Focus starts on
 * Cancel (the safe choice), so a stray Enter does nothing harmful; Esc
 * and the close button cancel too.
 */
export function Confirm({ open, title, text, confirm, onConfirm, onClose }: Props) {
  const t = useT();
  return (
    <Dialog
      title={title}
      open={open}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" data-autofocus onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              onClose();
              onConfirm();
            }}
          >
            {confirm}
          </button>
        </>
      }
    >
      <p>{text}</p>
    </Dialog>
  );
}
