// Package events names the events the files module appends to the event
// log and declares their payloads; the OpenAPI document publishes them
// (components/schemas/Event).
package events

import "github.com/kontorhq/kontor/modules/platform/eventlog"

// The files module's events, each bound to its payload. Both go to every
// channel the file is shared in; file.updated also to its owner alone.
const (
	FileUpdated eventlog.Kind[FileUpdate]  = "file.updated"
	FileDeleted eventlog.Kind[FileRemoved] = "file.deleted"
)

// Kinds lists them for the OpenAPI document.
func Kinds() []eventlog.Spec { return []eventlog.Spec{FileUpdated.Spec(), FileDeleted.Spec()} }

// FileUpdate is the payload of file.updated: the file's metadata changed
// (its preview is ready); message_ids are the messages in the channel
// that carry it (empty in the owner's copy).
type FileUpdate struct {
	File       FileInfo `json:"file"`
	MessageIDs []string `json:"message_ids"`
}

// FileRemoved is the payload of file.deleted: the file is gone from the
// messages message_ids.
type FileRemoved struct {
	ID         string   `json:"id"`
	MessageIDs []string `json:"message_ids"`
}

// FileInfo is a file as a message carries it: the fields of the files
// API's Attachment (files converts one into the other, so the compiler
// notices when they part).
type FileInfo struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	DurationMS   int64  `json:"duration_ms"`
	Voice        bool   `json:"voice"`
	ThumbnailURL string `json:"thumbnail_url"`
	PreviewURL   string `json:"preview_url"`
	URL          string `json:"url"`
}

// EventSubject names the file, so purging it removes the event too.
func (u FileUpdate) EventSubject() string { return u.File.ID }

// EventSubject names the file, so purging it removes the event too.
func (r FileRemoved) EventSubject() string { return r.ID }
