package files

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// sniffLen is how many leading bytes decide the content type.
const sniffLen = 512

// byExtension refines a sniffed container type by the name's extension,
// only within the family the bytes already proved: a ZIP may be called a
// Word document, a PNG cannot be called a PDF.
var byExtension = map[string]map[string]string{
	"application/zip": {
		".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
		".odt":  "application/vnd.oasis.opendocument.text",
		".ods":  "application/vnd.oasis.opendocument.spreadsheet",
		".odp":  "application/vnd.oasis.opendocument.presentation",
		".epub": "application/epub+zip",
	},
	"application/x-ole-storage": {
		".doc": "application/msword",
		".xls": "application/vnd.ms-excel",
		".ppt": "application/vnd.ms-powerpoint",
		".msg": "application/vnd.ms-outlook",
	},
	"text/plain": {
		".csv": "text/csv",
		".tsv": "text/tab-separated-values",
		".md":  "text/markdown",
	},
	"application/ogg": {".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg"},
	"video/webm":      {".weba": "audio/webm"},
	"video/mp4":       {".m4a": "audio/mp4"},
}

// asVoice maps the containers browsers record audio in to the audio type
// a voice message carries.
var asVoice = map[string]string{
	"application/ogg": "audio/ogg",
	"video/webm":      "audio/webm",
	"video/mp4":       "audio/mp4",
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// sniff decides a file's content type from its first bytes (never from
// what the client claims), refined by the name's extension only where
// the bytes leave it open.
func sniff(head []byte, name string, voice bool) string {
	ct := http.DetectContentType(head)
	if ct == "application/octet-stream" && bytes.HasPrefix(head, oleMagic) {
		ct = "application/x-ole-storage"
	}
	base, params, _ := mime.ParseMediaType(ct)
	_, ext := splitExt(strings.ToLower(name))
	if voice {
		if v, ok := asVoice[base]; ok {
			return v
		}
	}
	if refined, ok := byExtension[base][ext]; ok {
		if cs := params["charset"]; cs != "" {
			return refined + "; charset=" + cs
		}
		return refined
	}
	if base == "application/x-ole-storage" {
		return "application/octet-stream"
	}
	return ct
}

func baseType(ct string) string {
	base, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(base)
}

// isAudio reports whether ct is something a voice message can be.
func isAudio(ct string) bool { return strings.HasPrefix(baseType(ct), "audio/") }

// previewable lists the image types that get thumbnails and may show inline.
var previewable = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

func isPreviewable(ct string) bool { return previewable[baseType(ct)] }

// servedAs is the Content-Type a file is served with. Only types that no
// browser runs as a document with scripts pass through; anything else
// (HTML, XML, SVG, scripts, unknown) is served as opaque bytes, together
// with nosniff and a sandboxing CSP, so that a file can never act as a
// page of our origin.
func servedAs(ct string) string {
	base := baseType(ct)
	switch {
	case previewable[base], base == "image/bmp":
		return base
	case strings.HasPrefix(base, "audio/"), strings.HasPrefix(base, "video/"):
		return base
	case base == "text/plain", base == "text/csv", base == "text/tab-separated-values", base == "text/markdown":
		return ct // with its charset
	case base == "application/pdf", base == "application/zip", base == "application/x-gzip",
		base == "application/epub+zip", base == "application/msword", base == "application/vnd.ms-excel",
		base == "application/vnd.ms-powerpoint", base == "application/vnd.ms-outlook",
		strings.HasPrefix(base, "application/vnd.openxmlformats-officedocument."),
		strings.HasPrefix(base, "application/vnd.oasis.opendocument."):
		return base
	}
	return "application/octet-stream"
}

// fileCSP is sent with every file response: nothing in a file may load,
// run or frame anything, and the response is sandboxed.
const fileCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
