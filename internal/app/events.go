package app

import (
	"github.com/kontorhq/kontor/modules/calendar"
	"github.com/kontorhq/kontor/modules/calls"
	"github.com/kontorhq/kontor/modules/chat"
	filesevents "github.com/kontorhq/kontor/modules/files/events"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// EventKinds lists every event any module appends to the event log, each
// with its payload type: the OpenAPI document publishes them as the union
// Event, and the tests check every event appended against it.
func EventKinds() []eventlog.Spec {
	kinds := append(append(chat.EventKinds(), filesevents.Kinds()...), calendar.EventKinds()...)
	return append(kinds, calls.EventKinds()...)
}
