package calendar

import "time"

// Calendar kinds.
const (
	KindPersonal = "personal"
	KindChannel  = "channel"
)

// RSVP answers.
const (
	RSVPNeedsAction = "needs_action"
	RSVPAccepted    = "accepted"
	RSVPTentative   = "tentative"
	RSVPDeclined    = "declined"
)

// Calendar is a calendar as the caller sees it.
type Calendar struct {
	ID        string `json:"id" doc:"u_<user id> for a personal calendar, c_<channel id> for a channel's."`
	Kind      string `json:"kind" enum:"personal,channel"`
	Name      string `json:"name" doc:"The channel's name for a channel calendar; empty for the caller's own."`
	UserID    string `json:"user_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	Color     string `json:"color" doc:"#rrggbb, empty when none was chosen."`
	Hidden    bool   `json:"hidden" doc:"The caller hid this channel calendar from their view."`
	Writable  bool   `json:"writable" doc:"The caller may add events."`
}

// Attendee is a person or a whole channel invited to an event.
type Attendee struct {
	UserID    string `json:"user_id,omitempty" maxLength:"26"`
	ChannelID string `json:"channel_id,omitempty" maxLength:"26"`
	RSVP      string `json:"rsvp" enum:"needs_action,accepted,tentative,declined"`
	Comment   string `json:"comment,omitempty" maxLength:"500"`
}

// Invitee names a person or a channel to invite.
type Invitee struct {
	UserID    string `json:"user_id,omitempty" maxLength:"26"`
	ChannelID string `json:"channel_id,omitempty" maxLength:"26"`
}

// CalendarEvent is an event (a series when it recurs).
type CalendarEvent struct {
	ID          string     `json:"id"`
	CalendarID  string     `json:"calendar_id"`
	UID         string     `json:"uid" doc:"The iCalendar UID."`
	OrganizerID string     `json:"organizer_id"`
	Title       string     `json:"title"`
	Description string     `json:"description" doc:"Markdown, rendered like messages."`
	Location    string     `json:"location"`
	CallLink    string     `json:"call_link" doc:"The call attendees open from the event (a Kontor path or an https address)."`
	TimeZone    string     `json:"time_zone" doc:"IANA time zone the times are wall-clock times in."`
	AllDay      bool       `json:"all_day"`
	Start       string     `json:"start" doc:"Wall-clock start in time_zone, 2006-01-02T15:04:05 (a date for all-day events)."`
	End         string     `json:"end" doc:"Wall-clock end in time_zone (exclusive date for all-day events)."`
	StartAt     time.Time  `json:"start_at" doc:"The first occurrence's start, UTC."`
	EndAt       time.Time  `json:"end_at"`
	RRule       string     `json:"rrule" doc:"RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO; empty for a single event."`
	RDates      []string   `json:"rdates" doc:"Extra occurrences, wall-clock in time_zone."`
	ExDates     []string   `json:"exdates" doc:"Skipped occurrences, wall-clock in time_zone."`
	Attendees   []Attendee `json:"attendees"`
	Sequence    int64      `json:"sequence"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Cancelled   bool       `json:"cancelled"`
	// Set on the override of one occurrence.
	ParentID     string     `json:"parent_id,omitempty"`
	RecurrenceAt *time.Time `json:"recurrence_at,omitempty" doc:"The original start (UTC) of the occurrence this overrides."`
	Writable     bool       `json:"writable" doc:"The caller may change or cancel it."`
}

// NewEvent is what creating an event takes.
type NewEvent struct {
	Title       string    `json:"title" minLength:"1" maxLength:"500"`
	Description string    `json:"description,omitempty" doc:"Markdown; bounded by the configured size."`
	Location    string    `json:"location,omitempty" maxLength:"500"`
	CallLink    string    `json:"call_link,omitempty" maxLength:"2000"`
	TimeZone    string    `json:"time_zone" maxLength:"64" example:"Europe/Berlin"`
	AllDay      bool      `json:"all_day,omitempty"`
	Start       string    `json:"start" maxLength:"40" example:"2026-03-02T09:00" doc:"Wall-clock time in time_zone (or RFC 3339 with an offset); a date for all-day events."`
	End         string    `json:"end" maxLength:"40" example:"2026-03-02T10:00"`
	RRule       string    `json:"rrule,omitempty" maxLength:"500" example:"FREQ=WEEKLY;BYDAY=MO"`
	RDates      []string  `json:"rdates,omitempty" maxItems:"500"`
	ExDates     []string  `json:"exdates,omitempty" maxItems:"1000"`
	Attendees   []Invitee `json:"attendees,omitempty" maxItems:"1000" doc:"People (user_id) and channels (channel_id) to invite."`
}

// EventPatch changes an event; absent fields stay.
type EventPatch struct {
	Title       *string    `json:"title,omitempty" minLength:"1" maxLength:"500"`
	Description *string    `json:"description,omitempty"`
	Location    *string    `json:"location,omitempty" maxLength:"500"`
	CallLink    *string    `json:"call_link,omitempty" maxLength:"2000"`
	TimeZone    *string    `json:"time_zone,omitempty" maxLength:"64"`
	AllDay      *bool      `json:"all_day,omitempty"`
	Start       *string    `json:"start,omitempty" maxLength:"40"`
	End         *string    `json:"end,omitempty" maxLength:"40"`
	RRule       *string    `json:"rrule,omitempty" maxLength:"500"`
	RDates      *[]string  `json:"rdates,omitempty" maxItems:"500"`
	ExDates     *[]string  `json:"exdates,omitempty" maxItems:"1000"`
	Attendees   *[]Invitee `json:"attendees,omitempty" maxItems:"1000"`
}

// Occurrence is one instance of an event in a window.
type Occurrence struct {
	EventID      string    `json:"event_id" doc:"The series (or single event) it belongs to."`
	OverrideID   string    `json:"override_id,omitempty" doc:"Set when this occurrence was changed on its own."`
	CalendarID   string    `json:"calendar_id"`
	Title        string    `json:"title"`
	Location     string    `json:"location"`
	CallLink     string    `json:"call_link"`
	AllDay       bool      `json:"all_day"`
	TimeZone     string    `json:"time_zone" doc:"The event's own time zone."`
	StartAt      time.Time `json:"start_at" doc:"UTC."`
	EndAt        time.Time `json:"end_at"`
	Start        string    `json:"start" doc:"Wall-clock start in the asked display zone (tz), 2006-01-02T15:04:05; all-day events keep their date in every zone."`
	End          string    `json:"end"`
	RecurrenceAt time.Time `json:"recurrence_at" doc:"The occurrence's original start (UTC): its id within the series."`
	Recurring    bool      `json:"recurring"`
	OrganizerID  string    `json:"organizer_id"`
	MyRSVP       string    `json:"my_rsvp,omitempty" enum:"needs_action,accepted,tentative,declined," doc:"The caller's answer when invited."`
}

// Occurrences is a window of occurrences.
type Occurrences struct {
	Items     []Occurrence `json:"items"`
	TimeZone  string       `json:"time_zone" doc:"The zone start and end are shown in."`
	Truncated bool         `json:"truncated" doc:"More occurrences fell in the window than one answer lists; ask for a shorter window."`
}

// BusyPerson is one person's busy times and working hours in a window.
type BusyPerson struct {
	UserID       string        `json:"user_id"`
	Busy         []BusyTime    `json:"busy"`
	WorkingHours *WorkingHours `json:"working_hours,omitempty"`
}

// BusyTime is a busy interval, without what it is.
type BusyTime struct {
	StartAt   time.Time `json:"start_at"`
	EndAt     time.Time `json:"end_at"`
	Tentative bool      `json:"tentative,omitempty"`
}

// WorkingHours is when a person works, in their zone.
type WorkingHours struct {
	TimeZone string        `json:"time_zone" maxLength:"64" example:"Europe/Berlin"`
	Days     []WorkingSpan `json:"days" maxItems:"21"`
}

// WorkingSpan is a span of one weekday (0 Sunday ... 6 Saturday).
type WorkingSpan struct {
	Weekday int    `json:"weekday" minimum:"0" maximum:"6"`
	Start   string `json:"start" pattern:"^[0-2][0-9]:[0-5][0-9]$" example:"09:00"`
	End     string `json:"end" pattern:"^[0-2][0-9]:[0-5][0-9]$" example:"17:00"`
}

// Feed is a private feed URL.
type Feed struct {
	ID         string    `json:"id"`
	CalendarID string    `json:"calendar_id" doc:"Empty: the person's whole view."`
	CreatedAt  time.Time `json:"created_at"`
	// Only in the answer that creates it.
	Token string `json:"token,omitempty"`
	URL   string `json:"url,omitempty" doc:"Path of the feed, to subscribe to (shown once)."`
}

// ImportResult says what an import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// EventChanged is the payload of the calendar.event.* client events.
type EventChanged struct {
	Event CalendarEvent `json:"event"`
}

// RSVPChanged is the payload of calendar.rsvp.updated.
type RSVPChanged struct {
	EventID    string `json:"event_id"`
	CalendarID string `json:"calendar_id"`
	UserID     string `json:"user_id"`
	RSVP       string `json:"rsvp"`
	Comment    string `json:"comment"`
}
