package files

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSanitizeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{"/etc/shadow", "shadow"},
		{`C:\Users\x\Desktop\plan.docx`, "plan.docx"},
		{"CON", "_CON"},
		{"con", "_con"},
		{"Con.txt", "_Con.txt"},
		{"LPT1.log", "_LPT1.log"},
		{"COM10.txt", "COM10.txt"}, // not a device
		{"console.txt", "console.txt"},
		{"a\x00b\x1fc\x7f.txt", "abc.txt"},
		{"tab\there.txt", "tab here.txt"},
		{"line\r\nbreak.txt", "line break.txt"},
		{"\u0085next-line.txt", "next-line.txt"},
		{"\u0080c1-control.txt", "c1-control.txt"},
		{"photo\u202Egpj.exe", "photogpj.exe"},
		{"zero\u200Bwidth.txt", "zerowidth.txt"},
		{`what?<is>"this"|*.txt`, "what__is__this___.txt"},
		{"  spaced   out  .pdf  ", "spaced out .pdf"},
		{".htaccess", "htaccess"},
		{"trailing...", "trailing"},
		{"", "file"},
		{"..", "file"},
		{"/", "file"},
		{"\x00\x01", "file"},
		{"bad\xff\xfeutf8.txt", "bad\uFFFDutf8.txt"},
		{"Cafe\u0301.txt", "Café.txt"}, // NFC
	} {
		if got := SanitizeName(tc.in); got != tc.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeNameLength(t *testing.T) {
	for _, tc := range []struct {
		name, in, suffix string
	}{
		{"500 ASCII characters", strings.Repeat("a", 500) + ".pdf", ".pdf"},
		{"500 two-byte characters", strings.Repeat("ü", 500) + ".docx", ".docx"},
		{"500 three-byte characters", strings.Repeat("报", 500) + ".xlsx", ".xlsx"},
		{"emoji", strings.Repeat("😀", 200) + ".png", ".png"},
		{"no extension", strings.Repeat("b", 500), "b"},
		{"absurd extension", "x." + strings.Repeat("e", 400), "e"},
	} {
		got := SanitizeName(tc.in)
		if len(got) > maxNameBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, tc.suffix) || len(got) < 200 {
			t.Errorf("%s: %d bytes, valid %v, %q...", tc.name, len(got), utf8.ValidString(got), got[len(got)-10:])
		}
	}
}

func TestSniff(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	zip := []byte("PK\x03\x04\x14\x00\x06\x00")
	ole := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}
	for _, tc := range []struct {
		head  []byte
		name  string
		voice bool
		want  string
	}{
		{png, "x.png", false, "image/png"},
		{png, "x.pdf", false, "image/png"}, // the bytes win over the name
		{[]byte("%PDF-1.4"), "x.png", false, "application/pdf"},
		{[]byte("<html><script>"), "x.png", false, "text/html; charset=utf-8"},
		{[]byte("<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>"), "x.svg", false, "text/xml; charset=utf-8"},
		{zip, "report.docx", false, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{zip, "archive.zip", false, "application/zip"},
		{zip, "evil.html", false, "application/zip"},
		{ole, "old.doc", false, "application/msword"},
		{ole, "unknown.bin", false, "application/octet-stream"},
		{[]byte("a,b,c\n1,2,3\n"), "data.csv", false, "text/csv; charset=utf-8"},
		{[]byte("just text"), "notes.txt", false, "text/plain; charset=utf-8"},
		{[]byte("OggS\x00\x02"), "voice.ogg", true, "audio/ogg"},
		{[]byte("OggS\x00\x02"), "song.opus", false, "audio/ogg"},
		{[]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"), "rec.webm", true, "audio/webm"},
		{[]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"), "clip.webm", false, "video/webm"},
		{[]byte("ID3\x03\x00"), "song.mp3", false, "audio/mpeg"},
	} {
		if got := sniff(tc.head, tc.name, tc.voice); got != tc.want {
			t.Errorf("sniff(%q, %q, %v) = %q, want %q", tc.head, tc.name, tc.voice, got, tc.want)
		}
	}
}

func TestServedAs(t *testing.T) {
	for _, tc := range []struct{ stored, served string }{
		{"image/png", "image/png"},
		{"image/webp", "image/webp"},
		{"application/pdf", "application/pdf"},
		{"audio/ogg", "audio/ogg"},
		{"video/mp4", "video/mp4"},
		{"text/plain; charset=utf-8", "text/plain; charset=utf-8"},
		{"text/html; charset=utf-8", "application/octet-stream"},
		{"text/xml; charset=utf-8", "application/octet-stream"},
		{"image/svg+xml", "application/octet-stream"},
		{"application/javascript", "application/octet-stream"},
		{"text/javascript", "application/octet-stream"},
		{"application/xhtml+xml", "application/octet-stream"},
		{"application/x-shockwave-flash", "application/octet-stream"},
		{"application/octet-stream", "application/octet-stream"},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	} {
		if got := servedAs(tc.stored); got != tc.served {
			t.Errorf("servedAs(%q) = %q, want %q", tc.stored, got, tc.served)
		}
	}
}

func TestDisposition(t *testing.T) {
	for _, tc := range []struct{ kind, name, want string }{
		{"attachment", "report.pdf", `attachment; filename=report.pdf`},
		{"attachment", "Q3 report.pdf", `attachment; filename="Q3 report.pdf"`},
		{"inline", "Größe.png", `inline; filename="Gr__e.png"; filename*=utf-8''Gr%C3%B6%C3%9Fe.png`},
	} {
		if got := disposition(tc.kind, tc.name); got != tc.want {
			t.Errorf("disposition(%q, %q) = %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"default", func(*Config) {}, ""},
		{"no upload size", func(c *Config) { c.MaxUpload = 0 }, "files-max-upload"},
		{"negative quota", func(c *Config) { c.UserQuota = -1 }, "files-user-quota"},
		{"url ttl too short", func(c *Config) { c.URLTTL = 500 * time.Millisecond }, "files-url-ttl"},
		{"url ttl over S3's week", func(c *Config) { c.URLTTL = 8 * 24 * time.Hour }, "files-url-ttl"},
		{"grace too short", func(c *Config) { c.OrphanGrace = time.Second }, "files-orphan-grace"},
		{"tiny pixel limit", func(c *Config) { c.MaxImagePixels = 10 }, "files-max-image-pixels"},
		{"no workers", func(c *Config) { c.PreviewWorkers = 0 }, "files-preview-workers"},
	} {
		c := DefaultConfig()
		tc.change(&c)
		err := c.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.want)
		}
	}
}
