// Package calendar owns the group calendar: a personal calendar per person
// and one per channel, events with an IANA time zone, recurrence (RRULE,
// EXDATE, RDATE), overrides of single occurrences and "this and following"
// splits, attendees (people and whole channels) with their answers, hidden
// channel calendars, free/busy and working hours, iCalendar (.ics of an
// event, private feeds with revocable tokens, import) and CalDAV at /dav/.
//
// Who may do what is decided here, for the API, the feeds and CalDAV alike
// (access.go): a personal calendar is its owner's; a channel's calendar is
// read by the channel's members, events are added by members (who become
// their organizer) and changed or cancelled by the organizer or a channel
// admin; people and channels invited to an event read it and answer.
//
// Every creation, change and cancellation is appended to the compliance
// journal (Deps.Journal) and to the client event log (Deps.Events, kinds in
// eventkinds.go) in the same transaction as the change.
//
// Consumes (interfaces declared in calendar.go, wired in internal/app):
// Channels (chat), Users (identity), Tokens (identity), Journal, Events.
//
// Tables: calendars, calendar_events, calendar_attendees, calendar_hidden,
// calendar_working_hours, calendar_feeds, calendar_reminders,
// calendar_reminders_sent.
package calendar
