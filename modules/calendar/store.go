package calendar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
)

var errNoRow = errors.New("calendar: no such row")

// eventRow is a row of calendar_events.
type eventRow struct {
	ID, CalendarID, UID, DAVName, ParentID  string
	RecurrenceAt                            int64
	OrganizerID, Title, Description         string
	Location, CallLink, TimeZone            string
	AllDay                                  bool
	StartLocal, EndLocal                    string
	StartAt, EndAt, LastEndAt               int64
	RRule, RDates, ExDates                  string
	Sequence, CreatedAt, UpdatedAt, Cancels int64
}

const eventColumns = `id, calendar_id, uid, dav_name, parent_id, recurrence_at, organizer_id, title, description, location, call_link,
	time_zone, all_day, start_local, end_local, start_at, end_at, last_end_at, rrule, rdates, exdates, sequence,
	created_at, updated_at, cancelled_at`

func scanEvent(s db.Scanner) (eventRow, error) {
	var r eventRow
	err := s.Scan(&r.ID, &r.CalendarID, &r.UID, &r.DAVName, &r.ParentID, &r.RecurrenceAt, &r.OrganizerID, &r.Title, &r.Description,
		&r.Location, &r.CallLink, &r.TimeZone, &r.AllDay, &r.StartLocal, &r.EndLocal, &r.StartAt, &r.EndAt, &r.LastEndAt,
		&r.RRule, &r.RDates, &r.ExDates, &r.Sequence, &r.CreatedAt, &r.UpdatedAt, &r.Cancels)
	return r, err
}

func (r eventRow) args() []any {
	return []any{r.ID, r.CalendarID, r.UID, r.DAVName, r.ParentID, r.RecurrenceAt, r.OrganizerID, r.Title, r.Description, r.Location,
		r.CallLink, r.TimeZone, r.AllDay, r.StartLocal, r.EndLocal, r.StartAt, r.EndAt, r.LastEndAt, r.RRule, r.RDates,
		r.ExDates, r.Sequence, r.CreatedAt, r.UpdatedAt, r.Cancels}
}

func insertEvent(ctx context.Context, q db.Querier, r eventRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO calendar_events (`+eventColumns+`) VALUES (`+db.In(25)+`)`, r.args()...)
	if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}

func updateEvent(ctx context.Context, q db.Querier, r eventRow) error {
	_, err := q.ExecContext(ctx, `UPDATE calendar_events SET title = ?, description = ?, location = ?, call_link = ?,
		time_zone = ?, all_day = ?, start_local = ?, end_local = ?, start_at = ?, end_at = ?, last_end_at = ?, rrule = ?,
		rdates = ?, exdates = ?, sequence = ?, updated_at = ?, cancelled_at = ? WHERE id = ?`,
		r.Title, r.Description, r.Location, r.CallLink, r.TimeZone, r.AllDay, r.StartLocal, r.EndLocal, r.StartAt, r.EndAt,
		r.LastEndAt, r.RRule, r.RDates, r.ExDates, r.Sequence, r.UpdatedAt, r.Cancels, r.ID)
	if err != nil {
		return fmt.Errorf("update event %s: %w", r.ID, err)
	}
	return nil
}

func eventByID(ctx context.Context, q db.Querier, id string) (eventRow, error) {
	r, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM calendar_events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNoRow
	}
	if err != nil {
		return r, fmt.Errorf("read event %s: %w", id, err)
	}
	return r, nil
}

func eventByUID(ctx context.Context, q db.Querier, calendarID, uid string) (eventRow, error) {
	r, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM calendar_events
		WHERE calendar_id = ? AND uid = ? AND parent_id = '' AND cancelled_at = 0`, calendarID, uid))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNoRow
	}
	if err != nil {
		return r, fmt.Errorf("read event %s: %w", uid, err)
	}
	return r, nil
}

func queryEvents(ctx context.Context, q db.Querier, query string, args ...any) ([]eventRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM calendar_events `+query, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return db.Collect(rows, scanEvent)
}

// overridesOf returns the live overrides of the given series, by parent.
func overridesOf(ctx context.Context, q db.Querier, parentIDs []string) (map[string][]eventRow, error) {
	out := map[string][]eventRow{}
	for len(parentIDs) > 0 {
		n := min(len(parentIDs), 500)
		batch := parentIDs[:n]
		parentIDs = parentIDs[n:]
		rs, err := queryEvents(ctx, q, `WHERE parent_id IN (`+db.In(len(batch))+`)`, anys(batch)...)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			out[r.ParentID] = append(out[r.ParentID], r)
		}
	}
	return out, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func attendeesOf(ctx context.Context, q db.Querier, eventIDs []string) (map[string][]Attendee, error) {
	out := map[string][]Attendee{}
	for len(eventIDs) > 0 {
		n := min(len(eventIDs), 500)
		batch := eventIDs[:n]
		eventIDs = eventIDs[n:]
		rows, err := q.QueryContext(ctx, `SELECT event_id, user_id, channel_id, rsvp, comment FROM calendar_attendees
			WHERE event_id IN (`+db.In(len(batch))+`) ORDER BY event_id, channel_id, user_id`, anys(batch)...)
		if err != nil {
			return nil, fmt.Errorf("read attendees: %w", err)
		}
		for rows.Next() {
			var id string
			var a Attendee
			if err := rows.Scan(&id, &a.UserID, &a.ChannelID, &a.RSVP, &a.Comment); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read attendees: %w", err)
			}
			out[id] = append(out[id], a)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setAttendees replaces an event's invitations, keeping the answers of
// people and channels that stay invited.
func setAttendees(ctx context.Context, tx *db.Tx, eventID string, invited []Invitee, now int64) error {
	old, err := attendeesOf(ctx, tx, []string{eventID})
	if err != nil {
		return err
	}
	keep := map[[2]string]Attendee{}
	for _, a := range old[eventID] {
		keep[[2]string{a.UserID, a.ChannelID}] = a
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_attendees WHERE event_id = ?`, eventID); err != nil {
		return fmt.Errorf("set attendees: %w", err)
	}
	seen := map[[2]string]bool{}
	for _, in := range invited {
		a := Attendee{UserID: in.UserID, ChannelID: in.ChannelID}
		k := [2]string{a.UserID, a.ChannelID}
		if seen[k] {
			continue
		}
		seen[k] = true
		if o, ok := keep[k]; ok {
			a.RSVP, a.Comment = o.RSVP, o.Comment
		} else {
			a.RSVP = RSVPNeedsAction
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_attendees (event_id, user_id, channel_id, rsvp, comment, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, eventID, a.UserID, a.ChannelID, a.RSVP, a.Comment, now); err != nil {
			return fmt.Errorf("set attendees: %w", err)
		}
	}
	// People who answered through a channel invitation keep their answer.
	for k, a := range keep {
		if !seen[k] && a.UserID != "" && a.ChannelID == "" && a.RSVP != RSVPNeedsAction {
			for _, n := range invited {
				if n.ChannelID != "" {
					if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_attendees (event_id, user_id, channel_id, rsvp, comment, updated_at)
						VALUES (?, ?, '', ?, ?, ?)`, eventID, a.UserID, a.RSVP, a.Comment, now); err != nil {
						return fmt.Errorf("set attendees: %w", err)
					}
					break
				}
			}
		}
	}
	return nil
}

// ensureCalendar makes the calendar's row on first use.
func ensureCalendar(ctx context.Context, q db.Querier, c calRef, now int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO calendars (id, owner_key, kind, user_id, channel_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, c.ID, c.ID, c.Kind, c.UserID, c.ChannelID, now)
	if err != nil {
		return fmt.Errorf("calendar %s: %w", c.ID, err)
	}
	return nil
}

func calendarColors(ctx context.Context, q db.Querier, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id, color FROM calendars WHERE id IN (`+db.In(len(ids))+`)`, anys(ids)...)
	if err != nil {
		return nil, fmt.Errorf("read calendars: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, color string
		if err := rows.Scan(&id, &color); err != nil {
			return nil, err
		}
		out[id] = color
	}
	return out, rows.Err()
}

func hiddenOf(ctx context.Context, q db.Querier, userID string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT calendar_id FROM calendar_hidden WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("read hidden calendars: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
