package files_test

import (
	"context"
	"testing"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
)

// The web app must let the browser load pictures from where download
// links point: nowhere else for the local store, the S3 endpoint when
// downloads redirect there, and nowhere else when Kontor streams them.
func TestMediaOrigins(t *testing.T) {
	ctx := context.Background()
	local := newEnv(t, dbtest.SQLite(t), "local", options{})
	if got := local.mod.MediaOrigins(ctx); len(got) != 0 {
		t.Fatalf("local store: %v", got)
	}
	s3 := newEnv(t, dbtest.SQLite(t), "s3", options{})
	got := s3.mod.MediaOrigins(ctx)
	if len(got) != 1 || got[0] != "http://"+s3.s3.Endpoint {
		t.Fatalf("S3 with presigned downloads: %v, want http://%s", got, s3.s3.Endpoint)
	}
	streamed := newEnv(t, dbtest.SQLite(t), "s3", options{conf: func(c *files.Config) { c.S3Redirect = false }})
	if got := streamed.mod.MediaOrigins(ctx); len(got) != 0 {
		t.Fatalf("S3 streamed through Kontor: %v", got)
	}
}
