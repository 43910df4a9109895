package files

import (
	"time"

	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

// Attachment is a file as a message carries it.
type Attachment struct {
	ID           string `json:"id"`
	Name         string `json:"name" doc:"Sanitised file name, safe to show and to save."`
	ContentType  string `json:"content_type" doc:"Sniffed from the bytes, not taken from the client."`
	Size         int64  `json:"size" doc:"Bytes."`
	SHA256       string `json:"sha256" doc:"Hex SHA-256 of the bytes, as recorded in the compliance journal."`
	Width        int    `json:"width" doc:"Pixels, after EXIF orientation; 0 until the preview is made or for non-images."`
	Height       int    `json:"height"`
	DurationMS   int64  `json:"duration_ms" doc:"Length of a voice message; 0 otherwise."`
	Voice        bool   `json:"voice" doc:"A voice message recorded in the app."`
	ThumbnailURL string `json:"thumbnail_url" doc:"Small image (at most 400 px), empty until made."`
	PreviewURL   string `json:"preview_url" doc:"Screen-sized image (at most 1600 px), empty until made."`
	URL          string `json:"url" doc:"Where to download the file (may redirect to a short-lived storage URL)."`
}

// File is an uploaded file as its owner and readers see it.
type File struct {
	Attachment
	OwnerID      string    `json:"owner_id" doc:"Who uploaded it."`
	CreatedAt    time.Time `json:"created_at"`
	PreviewState string    `json:"preview_state" enum:"none,pending,ready,failed" doc:"none for files without previews."`
}

// Preview states.
const (
	previewNone    = "none"
	previewPending = "pending"
	previewWorking = "working"
	previewReady   = "ready"
	previewFailed  = "failed"
)

// Sizes of the generated images: the longest side in pixels.
const (
	thumbSize   = 400
	previewSize = 1600
)

// MaxAttachments is how many files one message may carry.
const MaxAttachments = 10

// fileRow is a row of the files table.
type fileRow struct {
	ID, OwnerID, Name, ContentType, SHA256, BlobKey string
	Size, DurationMS, Width, Height                 int64
	Voice                                           bool
	PreviewState, PreviewType                       string
	PreviewAt, CreatedAt, DeletedAt                 int64
	DeletedBy                                       string
	ModeratedAt                                     int64 // taken down by moderation
}

func contentKey(id string) string { return "f/" + id }
func thumbKey(id string) string   { return "t/" + id }
func previewKey(id string) string { return "p/" + id }

func fileURL(id, what string) string { return httpapi.APIPrefix + "/files/" + id + "/" + what }

func (r fileRow) attachment() Attachment {
	a := Attachment{
		ID: r.ID, Name: r.Name, ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256,
		Width: int(r.Width), Height: int(r.Height), DurationMS: r.DurationMS, Voice: r.Voice,
		URL: fileURL(r.ID, "content"),
	}
	if r.PreviewState == previewReady {
		a.ThumbnailURL, a.PreviewURL = fileURL(r.ID, "thumbnail"), fileURL(r.ID, "preview")
	}
	return a
}

func (r fileRow) file() File {
	state := r.PreviewState
	if state == previewWorking {
		state = previewPending
	}
	return File{Attachment: r.attachment(), OwnerID: r.OwnerID, CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), PreviewState: state}
}
