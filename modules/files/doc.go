// Package files owns the files people share: uploads streamed into a blob
// store (sub-package blob: a local directory or S3), their metadata,
// where they are shared, downloads, image previews, voice messages,
// per-user usage and quotas, and the removal of blobs nothing refers to.
//
// Uploads go to POST /api/v1/files as a raw body: the size limit and the
// quota are enforced while the bytes arrive, the SHA-256 is computed on
// the way and the content type is sniffed from the bytes. A file belongs
// to its uploader until it is attached to a message: chat calls Attach in
// the transaction that posts the message (and Detach when the message is
// deleted). From then on members of that channel may read it; the
// decision is made here on every read, through the Access interface that
// chat satisfies. Downloads are presigned S3 URLs or streamed with Range
// support; nothing is ever served as HTML or script.
//
// Consumes (interfaces declared here, wired in internal/app): Access (chat:
// who may read a channel), Journal (compliance/journal: "file.attached",
// "file.deleted" records with the file's SHA-256), Events (platform
// eventlog: "file.updated" when a preview is ready, "file.deleted").
//
// Background work: preview workers (JPEG, PNG, GIF, WebP; EXIF
// orientation applied), a scan for previews left waiting, and the cleanup
// job that removes blobs of deleted files and of interrupted uploads.
//
// Tables: files, file_shares, file_usage, file_blob_trash.
package files
