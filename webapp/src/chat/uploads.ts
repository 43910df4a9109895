// Uploading files with a progress bar and a cancel button. fetch() cannot
// report upload progress, so this one call uses XMLHttpRequest; it speaks
// to the same operation as the generated client (POST /api/v1/files, the
// bytes as the body) and turns failures into the same ApiError.

import { currentCsrf, type Schemas } from "../api/client";
import { NetworkError, toApiError } from "../api/errors";

export type FileMeta = Schemas["File"];
export type Attachment = Schemas["Attachment"];

export interface UploadOptions {
  voice?: boolean;
  durationMs?: number;
  onProgress?: (fraction: number) => void;
}

export interface RunningUpload {
  done: Promise<FileMeta>;
  cancel: () => void;
}

export function uploadURL(name: string, opts: Pick<UploadOptions, "voice" | "durationMs"> = {}): string {
  const q = new URLSearchParams({ name });
  if (opts.voice) {
    q.set("voice", "true");
    q.set("duration_ms", String(Math.max(1, Math.round(opts.durationMs ?? 1))));
  }
  return `/api/v1/files?${q.toString()}`;
}

function headersOf(xhr: XMLHttpRequest): Headers {
  const h = new Headers();
  for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
    const i = line.indexOf(":");
    if (i > 0) h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return h;
}

export function uploadFile(file: Blob, name: string, opts: UploadOptions = {}): RunningUpload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<FileMeta>((resolve, reject) => {
    xhr.open("POST", uploadURL(name, opts));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    const csrf = currentCsrf();
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) opts.onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: keep the text
      }
      if (xhr.status === 201 || xhr.status === 200) {
        opts.onProgress?.(1);
        resolve(body as FileMeta);
      } else reject(toApiError(xhr.status, headersOf(xhr), body));
    };
    xhr.onerror = () => reject(new NetworkError(new Error("upload failed")));
    xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    xhr.send(file);
  });
  return { done, cancel: () => xhr.abort() };
}

/** 1536 → "1.5 KB", in the person's number format. */
export function formatSize(bytes: number, locale: string): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: v < 10 && i > 0 ? 1 : 0 }).format(v);
}

/** 4200 → "0:04". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function isImage(a: Pick<Attachment, "content_type">): boolean {
  return /^image\/(jpeg|png|gif|webp)$/.test(a.content_type);
}

/** Puts a file's new metadata (a preview was made) into a message's attachments. */
export function withFile<T extends { attachments?: Attachment[] | null }>(m: T, f: Partial<Attachment> & { id: string }): T {
  if (!m.attachments?.some((a) => a.id === f.id)) return m;
  return { ...m, attachments: m.attachments.map((a) => (a.id === f.id ? { ...a, ...pickAttachment(f) } : a)) };
}

function pickAttachment(f: Partial<Attachment>): Partial<Attachment> {
  const out: Partial<Attachment> = {};
  for (const k of ["thumbnail_url", "preview_url", "url", "width", "height", "content_type", "name"] as const) {
    if (f[k] !== undefined && f[k] !== "") (out as Record<string, unknown>)[k] = f[k];
  }
  return out;
}
