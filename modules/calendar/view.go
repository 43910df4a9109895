package calendar

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Calendars lists the caller's calendars: their own and one per channel.
func (m *Module) Calendars(ctx context.Context) ([]Calendar, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	cals, _, err := m.viewCalendars(ctx, p.UserID, true)
	if err != nil {
		return nil, err
	}
	hidden, err := hiddenOf(ctx, m.db, p.UserID)
	if err != nil {
		return nil, err
	}
	idList := make([]string, len(cals))
	for i, c := range cals {
		idList[i] = c.ID
	}
	colors, err := calendarColors(ctx, m.db, idList)
	if err != nil {
		return nil, err
	}
	out := make([]Calendar, 0, len(cals))
	for _, c := range cals {
		name := ""
		if c.Kind == KindChannel {
			if name, err = m.channels.ChannelName(ctx, c.ChannelID); err != nil {
				return nil, err
			}
		}
		out = append(out, Calendar{ID: c.ID, Kind: c.Kind, Name: name, UserID: c.UserID, ChannelID: c.ChannelID,
			Color: colors[c.ID], Hidden: hidden[c.ID], Writable: true})
	}
	return out, nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// SetColor sets a calendar's color: the owner's, or for a channel's, a
// channel admin's choice.
func (m *Module) SetColor(ctx context.Context, calendarID, color string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	c, err := parseCalID(calendarID)
	if err != nil {
		return err
	}
	if ok, err := m.canRead(ctx, p.UserID, c); err != nil {
		return err
	} else if !ok {
		return calendarNotFound()
	}
	if c.Kind == KindChannel {
		if ok, err := m.channels.IsChannelAdmin(ctx, p.UserID, c.ChannelID); err != nil {
			return err
		} else if !ok {
			return apperr.Forbidden("only a channel admin chooses the channel calendar's color").WithCode(apperr.CodeChannelAdminRequired)
		}
	}
	if color != "" && !colorRE.MatchString(color) {
		return apperr.Invalid("body.color", "a color is #rrggbb").WithCode(apperr.CodeInvalidColor)
	}
	now := ms(m.now())
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := ensureCalendar(ctx, tx, c, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE calendars SET color = ? WHERE id = ?`, color, c.ID)
		return err
	})
}

// SetHidden hides a channel's calendar from the caller's view, or shows it.
func (m *Module) SetHidden(ctx context.Context, calendarID string, hidden bool) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	c, err := parseCalID(calendarID)
	if err != nil {
		return err
	}
	if ok, err := m.canRead(ctx, p.UserID, c); err != nil {
		return err
	} else if !ok {
		return calendarNotFound()
	}
	if c.Kind != KindChannel {
		return apperr.Invalid("path.id", "only channel calendars can be hidden")
	}
	if hidden {
		_, err = m.db.ExecContext(ctx, `INSERT INTO calendar_hidden (user_id, calendar_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, p.UserID, c.ID)
	} else {
		_, err = m.db.ExecContext(ctx, `DELETE FROM calendar_hidden WHERE user_id = ? AND calendar_id = ?`, p.UserID, c.ID)
	}
	if err != nil {
		return fmt.Errorf("hide calendar: %w", err)
	}
	return nil
}

// window reads an occurrence query's window and display zone.
func (m *Module) window(from, to time.Time, tz string) (*time.Location, error) {
	if err := m.checkWindow(from, to); err != nil {
		return nil, err
	}
	if tz == "" {
		return time.UTC, nil
	}
	return loadZone("query.tz", tz)
}

// MyOccurrences is the caller's view: their calendar, their channels'
// (unless hidden) and events they are invited to, in [from, to).
func (m *Module) MyOccurrences(ctx context.Context, from, to time.Time, tz string) (Occurrences, error) {
	p, err := caller(ctx)
	if err != nil {
		return Occurrences{}, err
	}
	loc, err := m.window(from, to, tz)
	if err != nil {
		return Occurrences{}, err
	}
	cals, chans, err := m.viewCalendars(ctx, p.UserID, false)
	if err != nil {
		return Occurrences{}, err
	}
	calIDs := make([]string, len(cals))
	for i, c := range cals {
		calIDs[i] = c.ID
	}
	rows, err := m.windowRows(ctx, calIDs, p.UserID, chans, from, to)
	if err != nil {
		return Occurrences{}, err
	}
	return m.expand(ctx, p.UserID, rows, from, to, loc)
}

// CalendarOccurrences lists one calendar's occurrences in [from, to).
func (m *Module) CalendarOccurrences(ctx context.Context, calendarID string, from, to time.Time, tz string) (Occurrences, error) {
	p, err := caller(ctx)
	if err != nil {
		return Occurrences{}, err
	}
	c, err := parseCalID(calendarID)
	if err != nil {
		return Occurrences{}, err
	}
	if ok, err := m.canRead(ctx, p.UserID, c); err != nil {
		return Occurrences{}, err
	} else if !ok {
		return Occurrences{}, calendarNotFound()
	}
	loc, err := m.window(from, to, tz)
	if err != nil {
		return Occurrences{}, err
	}
	rows, err := m.windowRows(ctx, []string{c.ID}, "", nil, from, to)
	if err != nil {
		return Occurrences{}, err
	}
	return m.expand(ctx, p.UserID, rows, from, to, loc)
}

// windowRows loads the live events (series, single events and overrides)
// of calIDs, plus those userID or one of chans is invited to, that may
// have an occurrence in [from, to). Two plain queries, each on its own
// index, rather than one with OR over subqueries, which neither database
// plans well.
func (m *Module) windowRows(ctx context.Context, calIDs []string, userID string, chans []string, from, to time.Time) ([]eventRow, error) {
	args := append([]any{ms(to), ms(from)}, anys(calIDs)...)
	rows, err := queryEvents(ctx, m.db, `WHERE cancelled_at = 0 AND start_at < ? AND last_end_at > ? AND calendar_id IN (`+
		db.In(len(calIDs))+`)`, args...)
	if err != nil || userID == "" {
		sortRows(rows)
		return rows, err
	}
	invited := `SELECT event_id FROM calendar_attendees WHERE user_id = ?`
	inv := []any{userID}
	if len(chans) > 0 {
		invited += ` UNION SELECT event_id FROM calendar_attendees WHERE channel_id IN (` + db.In(len(chans)) + `)`
		inv = append(inv, anys(chans)...)
	}
	ids, err := m.db.QueryContext(ctx, invited, inv...)
	if err != nil {
		return nil, fmt.Errorf("read invitations: %w", err)
	}
	var eventIDs []string
	for ids.Next() {
		var id string
		if err := ids.Scan(&id); err != nil {
			ids.Close()
			return nil, fmt.Errorf("read invitations: %w", err)
		}
		eventIDs = append(eventIDs, id)
	}
	ids.Close()
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		seen[r.ID] = true
	}
	for len(eventIDs) > 0 {
		n := min(len(eventIDs), 500)
		batch := anys(eventIDs[:n])
		eventIDs = eventIDs[n:]
		more, err := queryEvents(ctx, m.db, `WHERE cancelled_at = 0 AND start_at < ? AND last_end_at > ? AND (id IN (`+
			db.In(len(batch))+`) OR parent_id IN (`+db.In(len(batch))+`))`, append(append([]any{ms(to), ms(from)}, batch...), batch...)...)
		if err != nil {
			return nil, err
		}
		for _, r := range more {
			if !seen[r.ID] {
				seen[r.ID] = true
				rows = append(rows, r)
			}
		}
	}
	sortRows(rows)
	return rows, nil
}

func sortRows(rows []eventRow) {
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].StartAt != rows[j].StartAt {
			return rows[i].StartAt < rows[j].StartAt
		}
		return rows[i].ID < rows[j].ID
	})
}

// expand turns rows into occurrences in [from, to), overrides replacing
// the occurrences they stand for.
func (m *Module) expand(ctx context.Context, userID string, rows []eventRow, from, to time.Time, loc *time.Location) (Occurrences, error) {
	out := Occurrences{Items: []Occurrence{}, TimeZone: loc.String()}
	var parents []string
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.ID] = true
		if r.ParentID == "" && (r.RRule != "" || r.RDates != "") {
			parents = append(parents, r.ID)
		}
	}
	overrides, err := overridesOf(ctx, m.db, parents)
	if err != nil {
		return out, err
	}
	// Answers: the caller's own rows, for my_rsvp.
	eventIDs := make([]string, 0, len(rows))
	for _, r := range rows {
		if r.ParentID == "" {
			eventIDs = append(eventIDs, r.ID)
		} else {
			eventIDs = append(eventIDs, r.ParentID)
		}
	}
	answers, err := m.answers(ctx, userID, eventIDs)
	if err != nil {
		return out, err
	}
	add := func(r eventRow, start, end time.Time, recurrenceAt time.Time, recurring bool) {
		o := Occurrence{EventID: r.ID, CalendarID: r.CalendarID, Title: r.Title, Location: r.Location, CallLink: r.CallLink,
			AllDay: r.AllDay, TimeZone: r.TimeZone, StartAt: start.UTC(), EndAt: end.UTC(), Start: start.In(loc).Format(localLayout),
			End: end.In(loc).Format(localLayout), RecurrenceAt: recurrenceAt.UTC(), Recurring: recurring, OrganizerID: r.OrganizerID,
			MyRSVP: answers[r.ID]}
		if r.ParentID != "" {
			o.EventID, o.OverrideID, o.MyRSVP = r.ParentID, r.ID, answers[r.ParentID]
		}
		if r.AllDay {
			// All-day events are dates, the same day in every zone.
			o.Start, o.End = start.Format(localLayout), end.Format(localLayout)
		}
		out.Items = append(out.Items, o)
	}
	limit := m.cfg.MaxOccurrences
	for _, r := range rows {
		if len(out.Items) >= limit {
			out.Truncated = true
			break
		}
		s, _, err := m.seriesOf(r)
		if err != nil {
			return out, err
		}
		if r.ParentID != "" {
			add(r, s.start, s.end, fromMS(r.RecurrenceAt), true)
			continue
		}
		replaced := map[int64]bool{}
		for _, o := range overrides[r.ID] {
			replaced[o.RecurrenceAt] = true
		}
		ts, err := s.between(from, to, limit-len(out.Items)+1)
		if errors.Is(err, errTooMany) {
			return out, tooMany(r.ID)
		}
		if err != nil {
			return out, err
		}
		recurring := r.RRule != "" || r.RDates != ""
		for _, t := range ts {
			if replaced[ms(t)] {
				continue
			}
			if len(out.Items) >= limit {
				out.Truncated = true
				break
			}
			add(r, t, s.endFor(t), t, recurring)
		}
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return out.Items[i].StartAt.Before(out.Items[j].StartAt) })
	return out, nil
}

// answers returns userID's own answers to the events.
func (m *Module) answers(ctx context.Context, userID string, eventIDs []string) (map[string]string, error) {
	out := map[string]string{}
	for len(eventIDs) > 0 {
		n := min(len(eventIDs), 500)
		batch := eventIDs[:n]
		eventIDs = eventIDs[n:]
		rows, err := m.db.QueryContext(ctx, `SELECT event_id, rsvp FROM calendar_attendees WHERE user_id = ? AND channel_id = ''
			AND event_id IN (`+db.In(len(batch))+`)`, append([]any{userID}, anys(batch)...)...)
		if err != nil {
			return nil, fmt.Errorf("read answers: %w", err)
		}
		for rows.Next() {
			var id, rsvp string
			if err := rows.Scan(&id, &rsvp); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = rsvp
		}
		rows.Close()
	}
	return out, nil
}

// WorkingHoursOf returns a person's working hours (nil when not set).
func (m *Module) workingHours(ctx context.Context, userID string) (*WorkingHours, error) {
	var tz, hours string
	err := m.db.QueryRowContext(ctx, `SELECT time_zone, hours FROM calendar_working_hours WHERE user_id = ?`, userID).Scan(&tz, &hours)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("read working hours: %w", err)
	}
	w := &WorkingHours{TimeZone: tz}
	if err := json.Unmarshal([]byte(hours), &w.Days); err != nil {
		return nil, fmt.Errorf("read working hours: %w", err)
	}
	return w, nil
}

// MyWorkingHours returns the caller's working hours.
func (m *Module) MyWorkingHours(ctx context.Context) (WorkingHours, error) {
	p, err := caller(ctx)
	if err != nil {
		return WorkingHours{}, err
	}
	w, err := m.workingHours(ctx, p.UserID)
	if err != nil || w == nil {
		return WorkingHours{Days: []WorkingSpan{}}, err
	}
	return *w, nil
}

// SetWorkingHours sets the caller's working hours.
func (m *Module) SetWorkingHours(ctx context.Context, w WorkingHours) (WorkingHours, error) {
	p, err := caller(ctx)
	if err != nil {
		return WorkingHours{}, err
	}
	if _, err := loadZone("body.time_zone", w.TimeZone); err != nil {
		return WorkingHours{}, err
	}
	if w.Days == nil {
		w.Days = []WorkingSpan{}
	}
	for i, d := range w.Days {
		s, err1 := time.Parse("15:04", d.Start)
		e, err2 := time.Parse("15:04", d.End)
		if d.Weekday < 0 || d.Weekday > 6 || err1 != nil || err2 != nil || !e.After(s) {
			return WorkingHours{}, invalidTime(fmt.Sprintf("body.days[%d]", i), "a span is a weekday 0-6 with start before end, as HH:MM")
		}
	}
	b, _ := json.Marshal(w.Days)
	_, err = m.db.ExecContext(ctx, `INSERT INTO calendar_working_hours (user_id, time_zone, hours, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone, hours = excluded.hours, updated_at = excluded.updated_at`,
		p.UserID, w.TimeZone, string(b), ms(m.now()))
	if err != nil {
		return WorkingHours{}, fmt.Errorf("set working hours: %w", err)
	}
	return w, nil
}

// FreeBusy returns, for each person, when they are busy in [from, to)
// (their own calendar and the events they are invited to and did not
// decline; no titles) and their working hours.
func (m *Module) FreeBusy(ctx context.Context, userIDs []string, from, to time.Time) ([]BusyPerson, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	if err := m.checkWindow(from, to); err != nil {
		return nil, err
	}
	for i, id := range userIDs {
		if !ids.Valid(id) {
			return nil, apperr.Invalid(fmt.Sprintf("body.user_ids[%d]", i), "no such person").WithCode(apperr.CodeUserNotFound)
		}
	}
	active, err := m.users.ActiveIDs(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := []BusyPerson{}
	for i, id := range userIDs {
		if !active[id] {
			return nil, apperr.Invalid(fmt.Sprintf("body.user_ids[%d]", i), "no such person").WithCode(apperr.CodeUserNotFound)
		}
		chans, err := m.channels.ReadableChannels(ctx, id)
		if err != nil {
			return nil, err
		}
		rows, err := m.windowRows(ctx, []string{personal(id).ID}, id, chans, from, to)
		if err != nil {
			return nil, err
		}
		occ, err := m.expand(ctx, id, rows, from, to, time.UTC)
		if err != nil {
			return nil, err
		}
		bp := BusyPerson{UserID: id, Busy: []BusyTime{}}
		for _, o := range occ.Items {
			if o.MyRSVP == RSVPDeclined {
				continue
			}
			bp.Busy = append(bp.Busy, BusyTime{StartAt: o.StartAt, EndAt: o.EndAt, Tentative: o.MyRSVP == RSVPTentative || o.MyRSVP == RSVPNeedsAction})
		}
		if bp.WorkingHours, err = m.workingHours(ctx, id); err != nil {
			return nil, err
		}
		out = append(out, bp)
	}
	return out, nil
}
