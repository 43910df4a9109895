import { useState } from "react";
import { Dialog } from "../../components/Dialog";
import { Icon } from "../../components/Icon";
import { useI18n, useT } from "../../i18n";
import { formatDuration, formatSize, isImage, type Attachment } from "../uploads";

function download(a: Attachment): string {
  const url = a.url || `/api/v1/files/${encodeURIComponent(a.id)}/content`;
  return `${url}${url.includes("?") ? "&" : "?"}download=true`;
}

function typeLabel(a: Attachment): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(a.name)?.[1];
  return ext ? ext.toUpperCase() : a.content_type;
}

/** A file that is not a picture or a voice message: name, type, size, download. */
export function FileCard({ a }: { a: Attachment }) {
  const t = useT();
  const { locale } = useI18n();
  return (
    <div className="file-card">
      <span className="file-icon" aria-hidden="true">
        {typeLabel(a).slice(0, 4)}
      </span>
      <span className="file-info">
        <a href={download(a)} download={a.name} className="file-name">
          {a.name}
        </a>
        <span className="muted small">
          {typeLabel(a)} · {formatSize(a.size, locale)}
        </span>
      </span>
      <a className="msg-action" href={download(a)} download={a.name} aria-label={t("files.download", { name: a.name })} title={t("files.download", { name: a.name })}>
        <Icon name="download" />
      </a>
    </div>
  );
}

/** A picture: the thumbnail inline, the large preview in a lightbox. */
function ImageThumb({ a }: { a: Attachment }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  // Keep the thumbnail within 360×280, in its own proportions.
  const scale = a.width && a.height ? Math.min(1, 360 / a.width, 280 / a.height) : 1;
  const w = a.width ? Math.round(a.width * scale) : undefined;
  const h = a.height ? Math.round(a.height * scale) : undefined;
  return (
    <>
      <button type="button" className="image-thumb" onClick={() => setOpen(true)} aria-label={t("files.openImage", { name: a.name })}>
        <img src={a.thumbnail_url} alt={a.name} width={w} height={h} loading="lazy" />
      </button>
      <Dialog
        title={a.name}
        open={open}
        onClose={() => setOpen(false)}
        footer={
          <a className="btn" href={download(a)} download={a.name}>
            <Icon name="download" /> {t("files.downloadShort")}
          </a>
        }
      >
        <img className="lightbox-image" src={a.preview_url || a.url || a.thumbnail_url} alt={a.name} />
      </Dialog>
    </>
  );
}

function VoiceMessage({ a }: { a: Attachment }) {
  const t = useT();
  const src = a.url || `/api/v1/files/${encodeURIComponent(a.id)}/content`;
  return (
    <div className="voice">
      <Icon name="mic" />
      <audio controls preload="metadata" src={src} aria-label={t("files.voiceMessage", { duration: formatDuration(a.duration_ms ?? 0) })} />
      <span className="muted small">{formatDuration(a.duration_ms ?? 0)}</span>
    </div>
  );
}

export function Attachments({ items }: { items: readonly Attachment[] }) {
  const t = useT();
  if (items.length === 0) return null;
  return (
    <ul className="attachments" aria-label={t("files.attachments")}>
      {items.map((a) => (
        <li key={a.id}>{a.voice ? <VoiceMessage a={a} /> : isImage(a) && a.thumbnail_url ? <ImageThumb a={a} /> : <FileCard a={a} />}</li>
      ))}
    </ul>
  );
}
