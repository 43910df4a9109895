package app_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

// The OpenAPI document publishes every event kind, and the checker that
// apptest installs on every stack refuses what does not match: an event
// type without a schema, a payload with a field its schema lacks, one
// missing a required field. (Every other test that drives a stack then
// checks each event it produces; see apptest.checkEvents.)
func TestEventsMatchTheirPublishedSchemas(t *testing.T) {
	s := apptest.New(t, "")
	srv := s.App.Server(httpapi.Options{Log: s.App.Log, Version: "test"})
	checker, err := eventlog.NewChecker(srv.API().OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range app.EventKinds() {
		want = append(want, k.Type)
	}
	slices.Sort(want)
	if got := checker.Types(); !slices.Equal(got, want) {
		t.Fatalf("the document's Event union has %v, the modules declare %v", got, want)
	}

	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ev := func(typ, payload string) eventlog.Event {
		return eventlog.Event{Seq: 7, Type: typ, At: at, ChannelID: "ch1", Payload: json.RawMessage(payload)}
	}
	good := `{"channel_id":"ch1","user_id":"u1","last_read_seq":3}`
	if err := checker.Check(ev("receipt.updated", good)); err != nil {
		t.Fatalf("a valid receipt.updated was refused: %v", err)
	}
	for _, tc := range []struct {
		name    string
		ev      eventlog.Event
		wantErr string
	}{
		{"unknown type", ev("receipt.forgotten", good), "has no schema"},
		{"extra field", ev("receipt.updated", `{"channel_id":"ch1","user_id":"u1","last_read_seq":3,"secret":"x"}`), "secret"},
		{"missing field", ev("receipt.updated", `{"channel_id":"ch1","user_id":"u1"}`), "last_read_seq"},
		{"wrong type", ev("receipt.updated", `{"channel_id":"ch1","user_id":"u1","last_read_seq":"3"}`), "last_read_seq"},
		{"payload of another type", ev("message.deleted", good), "message.deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checker.Check(tc.ev)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Check = %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}
