// Package logtest gives tests a logger whose output shows up with the
// test's own output (only when it fails, or with -v).
package logtest

import (
	"log/slog"
	"strings"
	"testing"
)

type writer struct{ t testing.TB }

func (w writer) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// New returns a debug-level text logger writing to t.Log.
func New(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(writer{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
