package files

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

// Register adds the files operations: /files, /channels/{id}/files and
// /admin/files.
func (m *Module) Register(api huma.API) {
	m.registerUpload(api)
	m.registerFiles(api)
	m.registerDownloads(api)
	m.registerAdmin(api)
}

func op(id, method, path, summary string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: httpapi.APIPrefix + path, Summary: summary,
		Tags: []string{"files"}, Security: httpapi.SecuritySession}
}

type (
	uploadInput struct {
		Name       string `query:"name" maxLength:"4096" doc:"The file's name; it is sanitised (path parts, control characters, device names like CON removed; at most 255 bytes)." example:"Quartalsbericht Q3.pdf"`
		Voice      bool   `query:"voice" doc:"A voice message recorded in the app: must be audio, with duration_ms."`
		DurationMS int64  `query:"duration_ms" minimum:"0" maximum:"3600000" doc:"Length of a voice message in milliseconds."`
		body       io.Reader
		size       int64
		w          http.ResponseWriter
	}
	fileOutput struct {
		Location string `header:"Location"`
		Body     File
	}
	idInput struct {
		ID string `path:"id" maxLength:"64" doc:"File id."`
	}
	contentInput struct {
		ID       string `path:"id" maxLength:"64" doc:"File id."`
		Download bool   `query:"download" doc:"Ask for an attachment even for images that could show inline."`
	}
	pageInput struct {
		Before string `query:"before" maxLength:"64" doc:"Continue after this cursor (from 'next')."`
		Limit  int    `query:"limit" minimum:"0" maximum:"200" default:"50"`
	}
	channelFilesInput struct {
		ID string `path:"id" maxLength:"64" doc:"Channel id."`
		pageInput
	}
	usageOutput struct{ Body StorageUsage }
)

// Resolve takes the request body as a stream: huma would read it whole
// into memory, which no upload may do.
func (in *uploadInput) Resolve(ctx huma.Context) []error {
	r, w := humachi.Unwrap(ctx)
	in.body, in.size, in.w = r.Body, r.ContentLength, w
	return nil
}

var binarySchema = &huma.Schema{Type: "string", Format: "binary"}

func (m *Module) registerUpload(api huma.API) {
	o := op("files-upload", http.MethodPost, "/files", "Upload a file")
	o.Description = "Send the file's bytes as the request body (any Content-Type; the type is sniffed from the bytes). " +
		"The body is streamed to storage and the size limit is enforced while it arrives: an upload over the limit " +
		"or the quota gets 413 and nothing is stored. Attach the returned id to a message to share the file."
	o.DefaultStatus = http.StatusCreated
	o.RequestBody = &huma.RequestBody{Required: true, Description: "The file's bytes.",
		Content: map[string]*huma.MediaType{"application/octet-stream": {Schema: binarySchema}}}
	huma.Register(api, o, func(ctx context.Context, in *uploadInput) (*fileOutput, error) {
		f, err := m.Upload(ctx, UploadRequest{Name: in.Name, Voice: in.Voice, DurationMS: in.DurationMS, Size: in.size, Body: in.body, Response: in.w})
		if err != nil {
			return nil, err
		}
		return &fileOutput{Location: f.URL, Body: f}, nil
	})
}

func (m *Module) registerFiles(api huma.API) {
	huma.Register(api, op("files-list-mine", http.MethodGet, "/files", "My uploaded files, newest first"),
		func(ctx context.Context, in *pageInput) (*httpapi.ListOutput[File], error) {
			fs, next, err := m.MyFiles(ctx, in.Before, in.Limit)
			if err != nil {
				return nil, err
			}
			return httpapi.List(fs, next), nil
		})
	huma.Register(api, op("files-my-usage", http.MethodGet, "/files/usage", "How much I store, and my quota"),
		func(ctx context.Context, _ *struct{}) (*usageOutput, error) {
			u, err := m.MyUsage(ctx)
			return &usageOutput{Body: u}, err
		})
	huma.Register(api, op("files-get", http.MethodGet, "/files/{id}", "A file's metadata"),
		func(ctx context.Context, in *idInput) (*struct{ Body File }, error) {
			f, err := m.Get(ctx, in.ID)
			return &struct{ Body File }{Body: f}, err
		})
	del := op("files-delete", http.MethodDelete, "/files/{id}", "Delete a file (its owner or an admin)")
	del.Description = "The file disappears from every channel and its bytes are removed; the deletion is kept in the compliance journal with the file's SHA-256."
	huma.Register(api, del, func(ctx context.Context, in *idInput) (*struct{}, error) {
		return nil, m.Delete(ctx, in.ID)
	})
	ch := op("files-list-channel", http.MethodGet, "/channels/{id}/files", "Files shared in a channel, newest first")
	ch.Description = "For members of the channel. Each entry is one share (a file shared twice appears twice); deleted files are left out."
	huma.Register(api, ch, func(ctx context.Context, in *channelFilesInput) (*httpapi.ListOutput[SharedFile], error) {
		fs, next, err := m.ChannelFiles(ctx, in.ID, in.Before, in.Limit)
		if err != nil {
			return nil, err
		}
		return httpapi.List(fs, next), nil
	})
}

func (m *Module) registerDownloads(api huma.API) {
	for _, d := range []struct {
		id, path, summary string
		v                 Variant
	}{
		{"files-content", "/files/{id}/content", "Download a file", Original},
		{"files-thumbnail", "/files/{id}/thumbnail", "A file's thumbnail (images)", Thumbnail},
		{"files-preview", "/files/{id}/preview", "A file's screen-sized preview (images)", Preview},
	} {
		o := op(d.id, http.MethodGet, d.path, d.summary)
		o.Description = "For the file's owner and members of a channel where it is shared. With S3 storage the answer is " +
			"302 to a short-lived presigned URL; otherwise the bytes, with Range support. Images may show inline; " +
			"everything else is an attachment; nothing is ever served as HTML or script."
		o.Responses = map[string]*huma.Response{
			"200": {Description: "The bytes.", Content: map[string]*huma.MediaType{"application/octet-stream": {Schema: binarySchema}}},
			"206": {Description: "The requested range."},
			"302": {Description: "Fetch the bytes from the short-lived URL in Location.",
				Headers: map[string]*huma.Param{"Location": {Schema: &huma.Schema{Type: "string", Format: "uri"}}}},
			"default": {Description: "Error (404 also when the file is not shared with you, 410 when it was deleted, 503 when storage is unreachable).",
				Content: map[string]*huma.MediaType{"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/Problem"}}}},
		}
		v := d.v
		huma.Register(api, o, func(ctx context.Context, in *contentInput) (*huma.StreamResponse, error) {
			dl, err := m.Open(ctx, in.ID, v, in.Download)
			if err != nil {
				return nil, err
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) { serve(hctx, dl) }}, nil
		})
	}
}

// serve writes a download: a redirect to the presigned URL, or the bytes
// with Range and conditional request support.
func serve(hctx huma.Context, d *Download) {
	r, w := humachi.Unwrap(hctx)
	h := w.Header()
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if d.Redirect != nil {
		h.Set("Cache-Control", "no-store")
		http.Redirect(w, r, d.Redirect.String(), http.StatusFound)
		return
	}
	defer d.Object.Close()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", d.Disposition)
	h.Set("ETag", `"`+d.ETag+`"`)
	// Access can be revoked at any time: the browser may keep the bytes
	// but must ask again (a cheap 304) before using them.
	h.Set("Cache-Control", "private, no-cache")
	http.ServeContent(&problemWriter{ResponseWriter: w, r: r}, r, "", d.ModTime, d.Object)
}

// problemWriter turns the plain-text errors of http.ServeContent (a Range
// that cannot be satisfied, a failed precondition, a read error) into RFC
// 9457 problems like every other answer of the API. Headers it set on the
// way (Content-Range: bytes */size on a 416) stay.
type problemWriter struct {
	http.ResponseWriter
	r       *http.Request
	problem bool // an error was answered; ServeContent's own text is dropped
}

// problemCodes are the stable codes of the errors ServeContent answers.
var problemCodes = map[int]struct {
	code   apperr.Code
	detail string
}{
	http.StatusRequestedRangeNotSatisfiable: {apperr.CodeRangeNotSatisfiable, "the Range header asks for bytes the file does not have, or cannot be read; ask for a range within the file's size (see Content-Range) or leave Range out"},
	http.StatusPreconditionFailed:           {apperr.CodePreconditionFailed, "the file is not the version your If-Match or If-Unmodified-Since names"},
}

func (w *problemWriter) WriteHeader(status int) {
	if status < 400 || w.problem {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.problem = true
	p := &httpapi.Problem{Status: status, Title: http.StatusText(status), Instance: w.r.URL.Path}
	if c, ok := problemCodes[status]; ok {
		p.Code, p.Detail = string(c.code), c.detail
	} else {
		// A read error of the store half-way; its text may name paths.
		httpapi.LoggerFrom(w.r.Context()).Error("file download failed", "path", w.r.URL.Path, "status", status)
		p.Detail = "the file could not be read; try again later"
	}
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Del("Content-Disposition")
	w.ResponseWriter.WriteHeader(status)
	_, _ = w.ResponseWriter.Write(body)
}

func (w *problemWriter) Write(b []byte) (int, error) {
	if w.problem {
		return len(b), nil // http.Error's text, replaced by the problem
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *problemWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type (
	adminUsageInput struct {
		After string `query:"after" maxLength:"100" doc:"Continue after this cursor (from 'next')."`
		Limit int    `query:"limit" minimum:"0" maximum:"200" default:"50"`
	}
	adminUsageOutput struct {
		Body struct {
			Items  []StorageUsage `json:"items"`
			Totals StorageTotals  `json:"totals"`
			Next   string         `json:"next,omitempty"`
		}
	}
	userInput struct {
		User string `path:"user" maxLength:"64" doc:"User id."`
	}
	quotaInput struct {
		User string `path:"user" maxLength:"64" doc:"User id."`
		Body struct {
			Quota int64 `json:"quota" minimum:"-1" doc:"Bytes this user may store; 0: unlimited; -1: the default (files-user-quota)." example:"10737418240"`
		}
	}
)

func (m *Module) registerAdmin(api huma.API) {
	huma.Register(api, op("files-admin-usage", http.MethodGet, "/admin/files/usage", "Storage used per user, largest first (admins)"),
		func(ctx context.Context, in *adminUsageInput) (*adminUsageOutput, error) {
			items, totals, next, err := m.ListUsage(ctx, in.After, in.Limit)
			if err != nil {
				return nil, err
			}
			out := &adminUsageOutput{}
			out.Body.Items, out.Body.Totals, out.Body.Next = items, totals, next
			if out.Body.Items == nil {
				out.Body.Items = []StorageUsage{}
			}
			return out, nil
		})
	huma.Register(api, op("files-admin-user-usage", http.MethodGet, "/admin/files/usage/{user}", "Storage used by one user (admins)"),
		func(ctx context.Context, in *userInput) (*usageOutput, error) {
			u, err := m.UserUsage(ctx, in.User)
			return &usageOutput{Body: u}, err
		})
	huma.Register(api, op("files-admin-set-quota", http.MethodPut, "/admin/files/usage/{user}/quota", "Set a user's storage quota (admins)"),
		func(ctx context.Context, in *quotaInput) (*usageOutput, error) {
			u, err := m.SetQuota(ctx, in.User, in.Body.Quota)
			return &usageOutput{Body: u}, err
		})
}
