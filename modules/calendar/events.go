package calendar

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// draft is an event's content before it is stored, checked.
type draft struct {
	NewEvent
	loc *time.Location
	s   series
}

// check validates an event's fields: texts within limits, a real zone,
// times that parse and end after they start, a rule Kontor expands.
func (m *Module) check(in NewEvent) (draft, error) {
	d := draft{NewEvent: in}
	d.Title = strings.TrimSpace(in.Title)
	for _, f := range []struct{ field, v string }{{"body.title", d.Title}, {"body.description", in.Description},
		{"body.location", in.Location}, {"body.call_link", in.CallLink}} {
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return d, apperr.Invalid(f.field, "the text is not valid UTF-8 or holds a NUL character").WithCode(apperr.CodeInvalidUTF8)
		}
	}
	if d.Title == "" || len(d.Title) > 500*4 || utf8.RuneCountInString(d.Title) > 500 {
		return d, apperr.Invalid("body.title", "an event needs a title of 1 to 500 characters").WithCode(apperr.CodeDescriptionTooLong)
	}
	if len(in.Description) > m.cfg.MaxDescriptionBytes {
		return d, apperr.Invalid("body.description", "the description is %d bytes; at most %d are allowed", len(in.Description), m.cfg.MaxDescriptionBytes).WithCode(apperr.CodeDescriptionTooLong)
	}
	if utf8.RuneCountInString(in.Location) > 500 {
		return d, apperr.Invalid("body.location", "the location may be at most 500 characters").WithCode(apperr.CodeDescriptionTooLong)
	}
	if err := checkLink(in.CallLink); err != nil {
		return d, err
	}
	loc, err := loadZone("body.time_zone", in.TimeZone)
	if err != nil {
		return d, err
	}
	d.loc = loc
	start, err := parseWhen("body.start", in.Start, loc, in.AllDay)
	if err != nil {
		return d, err
	}
	end, err := parseWhen("body.end", in.End, loc, in.AllDay)
	if err != nil {
		return d, err
	}
	if !end.After(start) {
		return d, apperr.Invalid("body.end", "the event ends (%s) before or when it starts (%s)", in.End, in.Start).WithCode(apperr.CodeEndBeforeStart)
	}
	if end.Sub(start) > 366*24*time.Hour {
		return d, invalidTime("body.end", "an event may last at most a year")
	}
	rule, err := parseRule("body.rrule", in.RRule)
	if err != nil {
		return d, err
	}
	rd, err := parseDates("body.rdates", in.RDates, loc, in.AllDay)
	if err != nil {
		return d, err
	}
	ex, err := parseDates("body.exdates", in.ExDates, loc, in.AllDay)
	if err != nil {
		return d, err
	}
	d.s = series{start: start, end: end, allDay: in.AllDay, rule: rule, rdates: rd, exdates: ex}
	if rule != nil {
		if _, err := d.s.iterator(); err != nil {
			return d, err
		}
	}
	if len(in.Attendees) > m.cfg.MaxAttendees {
		return d, apperr.Invalid("body.attendees", "an event may invite at most %d people and channels", m.cfg.MaxAttendees).WithCode(apperr.CodeTooManyAttendees)
	}
	for i, a := range in.Attendees {
		if (a.UserID == "") == (a.ChannelID == "") {
			return d, apperr.Invalid(fmt.Sprintf("body.attendees[%d]", i), "an attendee is a user_id or a channel_id")
		}
		if a.UserID != "" && !ids.Valid(a.UserID) {
			return d, apperr.Invalid(fmt.Sprintf("body.attendees[%d].user_id", i), "no such person").WithCode(apperr.CodeUserNotFound)
		}
		if a.ChannelID != "" && !ids.Valid(a.ChannelID) {
			return d, apperr.Invalid(fmt.Sprintf("body.attendees[%d].channel_id", i), "no such channel, or you are not a member").WithCode(apperr.CodeChannelNotFound)
		}
	}
	return d, nil
}

// checkLink accepts an https or http address, or a path inside Kontor
// (/channels/..., later /calls/...).
func checkLink(s string) error {
	if s == "" {
		return nil
	}
	bad := apperr.Invalid("body.call_link", "the call link must be an http(s) address or a path starting with /").WithCode(apperr.CodeInvalidLink)
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		if _, err := url.Parse(s); err != nil {
			return bad
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad
	}
	return nil
}

// checkAttendees refuses people who do not exist and channels the
// organizer is not in (inviting a channel shows it the event).
func (m *Module) checkAttendees(ctx context.Context, userID string, as []Invitee) error {
	var people []string
	for i, a := range as {
		if a.UserID != "" {
			people = append(people, a.UserID)
			continue
		}
		ok, err := m.channels.CanRead(ctx, userID, a.ChannelID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid(fmt.Sprintf("body.attendees[%d].channel_id", i), "no such channel, or you are not a member").WithCode(apperr.CodeChannelNotFound)
		}
	}
	if len(people) == 0 {
		return nil
	}
	active, err := m.users.ActiveIDs(ctx, people)
	if err != nil {
		return err
	}
	for i, a := range as {
		if a.UserID != "" && !active[a.UserID] {
			return apperr.Invalid(fmt.Sprintf("body.attendees[%d].user_id", i), "no such person").WithCode(apperr.CodeUserNotFound)
		}
	}
	return nil
}

func (d draft) row() eventRow {
	return eventRow{Title: d.Title, Description: d.Description, Location: d.Location, CallLink: d.CallLink,
		TimeZone: d.TimeZone, AllDay: d.AllDay, StartLocal: wall(d.s.start, d.AllDay), EndLocal: wall(d.s.end, d.AllDay),
		StartAt: ms(d.s.start), EndAt: ms(d.s.end), LastEndAt: d.s.lastEnd(), RRule: ruleString(d.RRule),
		RDates: joinDates(d.s.rdates, d.AllDay), ExDates: joinDates(d.s.exdates, d.AllDay)}
}

func ruleString(s string) string {
	return strings.ToUpper(strings.TrimPrefix(strings.TrimSpace(s), "RRULE:"))
}

// zone loads a stored event's zone once: loading reads the zone database
// from disk, and a week view rebuilds hundreds of series.
func (m *Module) zone(name string) (*time.Location, error) {
	if l, ok := m.zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	m.zones.Store(name, l)
	return l, nil
}

// seriesOf rebuilds the series of a stored event.
func (m *Module) seriesOf(r eventRow) (series, *time.Location, error) {
	loc, err := m.zone(r.TimeZone)
	if err != nil {
		return series{}, nil, fmt.Errorf("event %s: zone %q: %w", r.ID, r.TimeZone, err)
	}
	p := func(s string) (time.Time, error) {
		if r.AllDay {
			return time.ParseInLocation(dateLayout, s, loc)
		}
		return time.ParseInLocation(localLayout, s, loc)
	}
	s := series{allDay: r.AllDay}
	if s.start, err = p(r.StartLocal); err != nil {
		return s, nil, fmt.Errorf("event %s: %w", r.ID, err)
	}
	if s.end, err = p(r.EndLocal); err != nil {
		return s, nil, fmt.Errorf("event %s: %w", r.ID, err)
	}
	if r.ParentID == "" && r.RRule != "" {
		if s.rule, err = parseRule("rrule", r.RRule); err != nil {
			return s, nil, fmt.Errorf("event %s: %w", r.ID, err)
		}
	}
	for _, x := range splitDates(r.RDates) {
		t, err := p(x)
		if err != nil {
			return s, nil, fmt.Errorf("event %s: %w", r.ID, err)
		}
		s.rdates = append(s.rdates, t)
	}
	for _, x := range splitDates(r.ExDates) {
		t, err := p(x)
		if err != nil {
			return s, nil, fmt.Errorf("event %s: %w", r.ID, err)
		}
		s.exdates = append(s.exdates, t)
	}
	return s, loc, nil
}

func (m *Module) view(r eventRow, as []Attendee, writable bool) CalendarEvent {
	if as == nil {
		as = []Attendee{}
	}
	e := CalendarEvent{ID: r.ID, CalendarID: r.CalendarID, UID: r.UID, OrganizerID: r.OrganizerID, Title: r.Title,
		Description: r.Description, Location: r.Location, CallLink: r.CallLink, TimeZone: r.TimeZone, AllDay: r.AllDay,
		Start: r.StartLocal, End: r.EndLocal, StartAt: fromMS(r.StartAt), EndAt: fromMS(r.EndAt), RRule: r.RRule,
		RDates: splitDates(r.RDates), ExDates: splitDates(r.ExDates), Attendees: as, Sequence: r.Sequence,
		CreatedAt: fromMS(r.CreatedAt), UpdatedAt: fromMS(r.UpdatedAt), Cancelled: r.Cancels != 0, ParentID: r.ParentID,
		Writable: writable}
	if r.ParentID != "" {
		t := fromMS(r.RecurrenceAt)
		e.RecurrenceAt = &t
	}
	return e
}

// record appends the journal entry and the client events for a change.
func (m *Module) record(ctx context.Context, tx *db.Tx, kind record.Kind, ev, actor string, e CalendarEvent, meta map[string]string) error {
	c, _ := parseCalID(e.CalendarID)
	if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(kind), ActorID: actor, ChannelID: c.ChannelID,
		SubjectID: ev, Content: e, Meta: meta}); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	d := evEventUpdated.With(EventChanged{Event: e})
	switch kind {
	case record.CalendarEventCreated:
		d = evEventCreated.With(EventChanged{Event: e})
	case record.CalendarEventCancelled:
		d = evEventCancelled.With(EventChanged{Event: e})
	}
	now := m.now()
	sentUsers, sentChans := map[string]bool{}, map[string]bool{}
	send := func(channelID, userID string) error {
		if channelID != "" && !sentChans[channelID] {
			sentChans[channelID] = true
			_, err := m.events.Append(ctx, tx, d, channelID, "", now)
			return err
		}
		if userID != "" && !sentUsers[userID] {
			sentUsers[userID] = true
			_, err := m.events.Append(ctx, tx, d, "", userID, now)
			return err
		}
		return nil
	}
	if err := send(c.ChannelID, c.UserID); err != nil {
		return err
	}
	for _, a := range e.Attendees {
		if err := send(a.ChannelID, a.UserID); err != nil {
			return err
		}
	}
	return nil
}

// CreateEvent adds an event to a calendar the caller may add to.
func (m *Module) CreateEvent(ctx context.Context, calendarID string, in NewEvent) (CalendarEvent, error) {
	p, err := caller(ctx)
	if err != nil {
		return CalendarEvent{}, err
	}
	c, err := parseCalID(calendarID)
	if err != nil {
		return CalendarEvent{}, err
	}
	if ok, err := m.canAdd(ctx, p.UserID, c); err != nil {
		return CalendarEvent{}, err
	} else if !ok {
		return CalendarEvent{}, calendarNotFound()
	}
	d, err := m.check(in)
	if err != nil {
		return CalendarEvent{}, err
	}
	if err := m.checkAttendees(ctx, p.UserID, in.Attendees); err != nil {
		return CalendarEvent{}, err
	}
	return m.insert(ctx, p.UserID, c, d, "", "")
}

func (m *Module) insert(ctx context.Context, actor string, c calRef, d draft, uid, davName string) (CalendarEvent, error) {
	now := ms(m.now())
	r := d.row()
	r.ID, r.CalendarID, r.OrganizerID, r.CreatedAt, r.UpdatedAt = ids.New(), c.ID, actor, now, now
	r.UID, r.DAVName = uid, davName
	if r.UID == "" {
		r.UID = r.ID + "@kontor"
	}
	var e CalendarEvent
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := ensureCalendar(ctx, tx, c, now); err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, r); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Conflict("an event with UID %q is in this calendar already", r.UID)
			}
			return err
		}
		if err := setAttendees(ctx, tx, r.ID, d.Attendees, now); err != nil {
			return err
		}
		as, err := attendeesOf(ctx, tx, []string{r.ID})
		if err != nil {
			return err
		}
		e = m.view(r, as[r.ID], true)
		return m.record(ctx, tx, record.CalendarEventCreated, r.ID, actor, e, nil)
	})
	return e, err
}

// GetEvent returns an event the caller may see.
func (m *Module) GetEvent(ctx context.Context, id string) (CalendarEvent, error) {
	p, err := caller(ctx)
	if err != nil {
		return CalendarEvent{}, err
	}
	r, err := m.visibleEvent(ctx, p.UserID, id)
	if err != nil {
		return CalendarEvent{}, err
	}
	return m.full(ctx, p.UserID, r)
}

func (m *Module) full(ctx context.Context, userID string, r eventRow) (CalendarEvent, error) {
	as, err := attendeesOf(ctx, m.db, []string{r.ID})
	if err != nil {
		return CalendarEvent{}, err
	}
	w, err := m.canEdit(ctx, userID, r)
	if err != nil {
		return CalendarEvent{}, err
	}
	return m.view(r, as[r.ID], w && r.Cancels == 0), nil
}

func invitees(as []Attendee) []Invitee {
	out := make([]Invitee, 0, len(as))
	for _, a := range as {
		if a.ChannelID != "" || a.RSVP == RSVPNeedsAction || a.RSVP == "" {
			out = append(out, Invitee{UserID: a.UserID, ChannelID: a.ChannelID})
		} else {
			out = append(out, Invitee{UserID: a.UserID}) // answered: kept by setAttendees
		}
	}
	return out
}

// applyPatch merges a patch into a stored event's fields.
func applyPatch(r eventRow, as []Attendee, p EventPatch) NewEvent {
	n := NewEvent{Title: r.Title, Description: r.Description, Location: r.Location, CallLink: r.CallLink,
		TimeZone: r.TimeZone, AllDay: r.AllDay, Start: r.StartLocal, End: r.EndLocal, RRule: r.RRule,
		RDates: splitDates(r.RDates), ExDates: splitDates(r.ExDates), Attendees: invitees(as)}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&n.Title, p.Title)
	set(&n.Description, p.Description)
	set(&n.Location, p.Location)
	set(&n.CallLink, p.CallLink)
	set(&n.TimeZone, p.TimeZone)
	set(&n.Start, p.Start)
	set(&n.End, p.End)
	set(&n.RRule, p.RRule)
	if p.AllDay != nil {
		n.AllDay = *p.AllDay
	}
	if p.RDates != nil {
		n.RDates = *p.RDates
	}
	if p.ExDates != nil {
		n.ExDates = *p.ExDates
	}
	if p.Attendees != nil {
		n.Attendees = *p.Attendees
	}
	return n
}

// UpdateEvent changes a whole series (or a single event).
func (m *Module) UpdateEvent(ctx context.Context, id string, patch EventPatch) (CalendarEvent, error) {
	p, err := caller(ctx)
	if err != nil {
		return CalendarEvent{}, err
	}
	r, err := m.editableEvent(ctx, p.UserID, id)
	if err != nil {
		return CalendarEvent{}, err
	}
	as, err := attendeesOf(ctx, m.db, []string{r.ID})
	if err != nil {
		return CalendarEvent{}, err
	}
	n := applyPatch(r, as[r.ID], patch)
	invite := patch.Attendees != nil
	if r.ParentID != "" {
		// An override is one occurrence; invitations belong to the series.
		n.RRule, n.RDates, n.ExDates, n.Attendees, invite = "", nil, nil, nil, false
	}
	d, err := m.check(n)
	if err != nil {
		return CalendarEvent{}, err
	}
	if invite {
		if err := m.checkAttendees(ctx, p.UserID, *patch.Attendees); err != nil {
			return CalendarEvent{}, err
		}
	}
	return m.save(ctx, p.UserID, r, d, invite, nil)
}

func (m *Module) save(ctx context.Context, actor string, old eventRow, d draft, attendees bool, meta map[string]string) (CalendarEvent, error) {
	now := ms(m.now())
	r := d.row()
	r.ID, r.CalendarID, r.UID, r.ParentID, r.RecurrenceAt = old.ID, old.CalendarID, old.UID, old.ParentID, old.RecurrenceAt
	r.OrganizerID, r.CreatedAt, r.UpdatedAt, r.Sequence = old.OrganizerID, old.CreatedAt, now, old.Sequence+1
	if r.ParentID != "" {
		r.LastEndAt = r.EndAt
	}
	var e CalendarEvent
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := updateEvent(ctx, tx, r); err != nil {
			return err
		}
		if attendees {
			if err := setAttendees(ctx, tx, r.ID, d.Attendees, now); err != nil {
				return err
			}
		}
		as, err := attendeesOf(ctx, tx, []string{r.ID})
		if err != nil {
			return err
		}
		e = m.view(r, as[r.ID], true)
		return m.record(ctx, tx, record.CalendarEventChanged, r.ID, actor, e, meta)
	})
	return e, err
}

// CancelEvent cancels a series (or one override). Cancelled events stay on
// record and in feeds as cancelled for clients that synced them.
func (m *Module) CancelEvent(ctx context.Context, id string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	r, err := m.editableEvent(ctx, p.UserID, id)
	if err != nil {
		return err
	}
	return m.cancel(ctx, p.UserID, r)
}

func (m *Module) cancel(ctx context.Context, actor string, r eventRow) error {
	now := ms(m.now())
	r.Cancels, r.UpdatedAt, r.Sequence = now, now, r.Sequence+1
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := updateEvent(ctx, tx, r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calendar_events SET cancelled_at = ?, updated_at = ? WHERE parent_id = ? AND cancelled_at = 0`,
			now, now, r.ID); err != nil {
			return fmt.Errorf("cancel overrides: %w", err)
		}
		as, err := attendeesOf(ctx, tx, []string{r.ID})
		if err != nil {
			return err
		}
		return m.record(ctx, tx, record.CalendarEventCancelled, r.ID, actor, m.view(r, as[r.ID], false), nil)
	})
}

// occurrenceOf finds the occurrence of series r that starts at at (UTC).
func (m *Module) occurrenceOf(r eventRow, at time.Time) (time.Time, series, error) {
	s, _, err := m.seriesOf(r)
	if err != nil {
		return time.Time{}, s, err
	}
	ts, err := s.between(at, at.Add(time.Second), 1)
	if err != nil && !errors.Is(err, errTooMany) {
		return time.Time{}, s, err
	}
	for _, t := range ts {
		if t.Equal(at) {
			return t, s, nil
		}
	}
	return time.Time{}, s, apperr.NotFound("the event has no occurrence starting at %s", at.UTC().Format(time.RFC3339)).WithCode(apperr.CodeOccurrenceNotFound)
}

func parseAt(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, invalidTime("path.at", "%q is not an RFC 3339 time such as 2026-03-02T08:00:00Z", s)
	}
	return t.UTC(), nil
}

// ChangeOccurrence changes one occurrence of a recurring event (an
// override); the rest of the series stays.
func (m *Module) ChangeOccurrence(ctx context.Context, id, at string, patch EventPatch) (CalendarEvent, error) {
	p, err := caller(ctx)
	if err != nil {
		return CalendarEvent{}, err
	}
	r, err := m.editableEvent(ctx, p.UserID, id)
	if err != nil {
		return CalendarEvent{}, err
	}
	when, err := parseAt(at)
	if err != nil {
		return CalendarEvent{}, err
	}
	if r.ParentID != "" || (r.RRule == "" && r.RDates == "") {
		return CalendarEvent{}, apperr.Invalid("path.id", "only a recurring series has occurrences to change; change the event itself").WithCode(apperr.CodeOccurrenceNotFound)
	}
	// An override there already: change it.
	ovs, err := queryEvents(ctx, m.db, `WHERE parent_id = ? AND recurrence_at = ? AND cancelled_at = 0`, r.ID, ms(when))
	if err != nil {
		return CalendarEvent{}, err
	}
	if len(ovs) > 0 {
		return m.UpdateEvent(ctx, ovs[0].ID, patch)
	}
	occ, s, err := m.occurrenceOf(r, when)
	if err != nil {
		return CalendarEvent{}, err
	}
	base := r
	base.StartLocal, base.EndLocal = wall(occ, r.AllDay), wall(s.endFor(occ), r.AllDay)
	n := applyPatch(base, nil, patch)
	n.RRule, n.RDates, n.ExDates, n.Attendees = "", nil, nil, nil
	d, err := m.check(n)
	if err != nil {
		return CalendarEvent{}, err
	}
	return m.insertOverride(ctx, p.UserID, r, when, d)
}

// insertOverride stores the override of the occurrence of parent that
// started at when.
func (m *Module) insertOverride(ctx context.Context, actor string, r eventRow, when time.Time, d draft) (CalendarEvent, error) {
	now := ms(m.now())
	o := d.row()
	o.ID, o.CalendarID, o.UID, o.ParentID, o.RecurrenceAt = ids.New(), r.CalendarID, r.UID, r.ID, ms(when)
	o.OrganizerID, o.CreatedAt, o.UpdatedAt, o.LastEndAt = r.OrganizerID, now, now, o.EndAt
	var e CalendarEvent
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := insertEvent(ctx, tx, o); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Conflict("that occurrence was changed already")
			}
			return err
		}
		as, err := attendeesOf(ctx, tx, []string{r.ID})
		if err != nil {
			return err
		}
		e = m.view(o, as[r.ID], true)
		return m.record(ctx, tx, record.CalendarEventChanged, r.ID, actor, e,
			map[string]string{"occurrence": when.UTC().Format(time.RFC3339)})
	})
	return e, err
}

// CancelOccurrence removes one occurrence of a series (an EXDATE).
func (m *Module) CancelOccurrence(ctx context.Context, id, at string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	r, err := m.editableEvent(ctx, p.UserID, id)
	if err != nil {
		return err
	}
	when, err := parseAt(at)
	if err != nil {
		return err
	}
	if r.ParentID != "" {
		return m.cancel(ctx, p.UserID, r)
	}
	occ, _, err := m.occurrenceOf(r, when)
	if err != nil {
		return err
	}
	now := ms(m.now())
	ex := splitDates(r.ExDates)
	r.ExDates = strings.Join(append(ex, wall(occ, r.AllDay)), ",")
	r.Sequence++
	r.UpdatedAt = now
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := updateEvent(ctx, tx, r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calendar_events SET cancelled_at = ? WHERE parent_id = ? AND recurrence_at = ? AND cancelled_at = 0`,
			now, r.ID, ms(when)); err != nil {
			return fmt.Errorf("cancel override: %w", err)
		}
		as, err := attendeesOf(ctx, tx, []string{r.ID})
		if err != nil {
			return err
		}
		return m.record(ctx, tx, record.CalendarEventCancelled, r.ID, p.UserID, m.view(r, as[r.ID], true),
			map[string]string{"occurrence": when.Format(time.RFC3339)})
	})
}

// SplitEvent changes "this and following": the series ends before the
// occurrence at at, and a new series with the changes starts there.
// Overrides from at on belonged to the old series and are cancelled.
func (m *Module) SplitEvent(ctx context.Context, id, at string, patch EventPatch) (CalendarEvent, error) {
	p, err := caller(ctx)
	if err != nil {
		return CalendarEvent{}, err
	}
	r, err := m.editableEvent(ctx, p.UserID, id)
	if err != nil {
		return CalendarEvent{}, err
	}
	when, err := parseAt(at)
	if err != nil {
		return CalendarEvent{}, err
	}
	if r.ParentID != "" || r.RRule == "" {
		return CalendarEvent{}, apperr.Invalid("path.id", "only a recurring series can be split").WithCode(apperr.CodeOccurrenceNotFound)
	}
	occ, s, err := m.occurrenceOf(r, when)
	if err != nil {
		return CalendarEvent{}, err
	}
	if occ.Equal(s.start) {
		return m.UpdateEvent(ctx, id, patch) // the first occurrence: the whole series
	}
	// How many instances the old series keeps, for a rule with COUNT
	// (which counts the rule's instances before EXDATEs take any away).
	before, err := series{start: s.start, end: s.end, allDay: s.allDay, rule: s.rule}.between(s.start, occ, maxCount+1)
	if err != nil {
		return CalendarEvent{}, tooMany(r.ID)
	}
	oldRule, newRule := splitRule(r.RRule, occ, len(before))
	as, err := attendeesOf(ctx, m.db, []string{r.ID})
	if err != nil {
		return CalendarEvent{}, err
	}
	base := r
	base.StartLocal, base.EndLocal, base.RRule = wall(occ, r.AllDay), wall(s.endFor(occ), r.AllDay), newRule
	base.RDates, base.ExDates = "", ""
	n := applyPatch(base, as[r.ID], patch)
	d, err := m.check(n)
	if err != nil {
		return CalendarEvent{}, err
	}
	if patch.Attendees != nil {
		if err := m.checkAttendees(ctx, p.UserID, *patch.Attendees); err != nil {
			return CalendarEvent{}, err
		}
	}
	c, _ := parseCalID(r.CalendarID)
	now := ms(m.now())
	old := r
	old.RRule = oldRule
	os, _, err := m.seriesOf(old)
	if err != nil {
		return CalendarEvent{}, err
	}
	old.LastEndAt, old.Sequence, old.UpdatedAt = os.lastEnd(), old.Sequence+1, now
	nr := d.row()
	nr.ID, nr.CalendarID, nr.OrganizerID, nr.CreatedAt, nr.UpdatedAt = ids.New(), r.CalendarID, r.OrganizerID, now, now
	nr.UID = nr.ID + "@kontor"
	var e CalendarEvent
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := ensureCalendar(ctx, tx, c, now); err != nil {
			return err
		}
		if err := updateEvent(ctx, tx, old); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calendar_events SET cancelled_at = ? WHERE parent_id = ? AND recurrence_at >= ? AND cancelled_at = 0`,
			now, r.ID, ms(when)); err != nil {
			return fmt.Errorf("split: %w", err)
		}
		if err := insertEvent(ctx, tx, nr); err != nil {
			return err
		}
		if err := setAttendees(ctx, tx, nr.ID, d.Attendees, now); err != nil {
			return err
		}
		oldAs, err := attendeesOf(ctx, tx, []string{r.ID, nr.ID})
		if err != nil {
			return err
		}
		if err := m.record(ctx, tx, record.CalendarEventChanged, old.ID, p.UserID, m.view(old, oldAs[old.ID], true),
			map[string]string{"split_at": when.Format(time.RFC3339), "continued_by": nr.ID}); err != nil {
			return err
		}
		e = m.view(nr, oldAs[nr.ID], true)
		return m.record(ctx, tx, record.CalendarEventCreated, nr.ID, p.UserID, e, map[string]string{"continues": old.ID})
	})
	return e, err
}

// splitRule ends a rule before at (UNTIL one second earlier, in UTC) and
// returns the rule for the new series: with COUNT, the occurrences left.
func splitRule(rule string, at time.Time, kept int) (oldRule, newRule string) {
	var oldParts, newParts []string
	for _, part := range strings.Split(rule, ";") {
		k, v, _ := strings.Cut(part, "=")
		switch strings.ToUpper(k) {
		case "UNTIL":
			newParts = append(newParts, part)
		case "COUNT":
			n, _ := strconv.Atoi(v)
			newParts = append(newParts, "COUNT="+strconv.Itoa(max(n-kept, 1)))
		default:
			oldParts = append(oldParts, part)
			newParts = append(newParts, part)
		}
	}
	oldParts = append(oldParts, "UNTIL="+at.Add(-time.Second).UTC().Format("20060102T150405Z"))
	return strings.Join(oldParts, ";"), strings.Join(newParts, ";")
}

// RSVP records the caller's answer to an event they may see.
func (m *Module) RSVP(ctx context.Context, id, status, comment string) (CalendarEvent, error) {
	p, err := caller(ctx)
	if err != nil {
		return CalendarEvent{}, err
	}
	switch status {
	case RSVPAccepted, RSVPTentative, RSVPDeclined, RSVPNeedsAction:
	default:
		return CalendarEvent{}, apperr.Invalid("body.rsvp", "an answer is accepted, tentative or declined")
	}
	if !utf8.ValidString(comment) || strings.ContainsRune(comment, 0) || utf8.RuneCountInString(comment) > 500 {
		return CalendarEvent{}, apperr.Invalid("body.comment", "a comment is text of at most 500 characters").WithCode(apperr.CodeInvalidUTF8)
	}
	r, err := m.visibleEvent(ctx, p.UserID, id)
	if err != nil {
		return CalendarEvent{}, err
	}
	if r.Cancels != 0 {
		return CalendarEvent{}, eventNotFound()
	}
	if r.ParentID != "" {
		if r, err = m.visibleEvent(ctx, p.UserID, r.ParentID); err != nil {
			return CalendarEvent{}, err
		}
	}
	now := ms(m.now())
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calendar_attendees SET rsvp = ?, comment = ?, updated_at = ?
			WHERE event_id = ? AND user_id = ? AND channel_id = ''`, status, comment, now, r.ID, p.UserID)
		if err != nil {
			return fmt.Errorf("rsvp: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_attendees (event_id, user_id, channel_id, rsvp, comment, updated_at)
				VALUES (?, ?, '', ?, ?, ?)`, r.ID, p.UserID, status, comment, now); err != nil {
				return fmt.Errorf("rsvp: %w", err)
			}
		}
		payload := evRSVPUpdated.With(RSVPChanged{EventID: r.ID, CalendarID: r.CalendarID, UserID: p.UserID, RSVP: status, Comment: comment})
		c, _ := parseCalID(r.CalendarID)
		if _, err := m.events.Append(ctx, tx, payload, c.ChannelID, c.UserID, m.now()); err != nil {
			return err
		}
		if r.OrganizerID != c.UserID {
			if _, err := m.events.Append(ctx, tx, payload, "", r.OrganizerID, m.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return CalendarEvent{}, err
	}
	return m.full(ctx, p.UserID, r)
}
