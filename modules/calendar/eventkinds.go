package calendar

import "github.com/kontorhq/kontor/modules/platform/eventlog"

// The client events this module appends, each bound to its payload type.
// An event goes to the calendar's readers (the channel, or the owner) and
// to each invited person and channel.
const (
	evEventCreated   eventlog.Kind[EventChanged] = "calendar.event.created"
	evEventUpdated   eventlog.Kind[EventChanged] = "calendar.event.updated"
	evEventCancelled eventlog.Kind[EventChanged] = "calendar.event.cancelled"
	evRSVPUpdated    eventlog.Kind[RSVPChanged]  = "calendar.rsvp.updated"
	// To one person, when a reminder they set is due.
	evReminderDue eventlog.Kind[ReminderDue] = "calendar.reminder.due"
)

// EventKinds lists every event the module appends, for the OpenAPI document.
func EventKinds() []eventlog.Spec {
	return []eventlog.Spec{evEventCreated.Spec(), evEventUpdated.Spec(), evEventCancelled.Spec(), evRSVPUpdated.Spec(), evReminderDue.Spec()}
}
