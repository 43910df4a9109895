package calendar

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/jobs"
)

// Reminders: a person asks to be reminded some minutes before each
// occurrence of an event they see. A job finds the reminders that are due
// and appends one calendar.reminder.due event for the person (the web app
// shows a desktop notification). The row in calendar_reminders_sent is
// inserted in the same transaction as the event, and its key is the
// reminder and the occurrence: however many nodes run the job at once,
// each reminder is delivered exactly once.

const (
	// maxReminder is the earliest a reminder may come: a week before.
	maxReminder = 7 * 24 * 60
	// reminderGrace is how late a reminder is still worth sending (after a
	// restart); older ones are dropped rather than sent all at once.
	reminderGrace = time.Hour
)

// ReminderDue is the payload of calendar.reminder.due.
type ReminderDue struct {
	EventID      string    `json:"event_id"`
	CalendarID   string    `json:"calendar_id"`
	Title        string    `json:"title"`
	CallLink     string    `json:"call_link"`
	StartAt      time.Time `json:"start_at" doc:"The occurrence's start (UTC)."`
	RecurrenceAt time.Time `json:"recurrence_at"`
	Minutes      int       `json:"minutes" doc:"How long before the start this reminder is."`
}

// Reminders is the caller's reminders for an event.
type Reminders struct {
	Minutes []int `json:"minutes" maxItems:"10" doc:"Minutes before each occurrence, e.g. [10, 1440]."`
}

// SetReminders sets the caller's reminders for an event they see.
func (m *Module) SetReminders(ctx context.Context, id string, minutes []int) (Reminders, error) {
	p, err := caller(ctx)
	if err != nil {
		return Reminders{}, err
	}
	r, err := m.visibleEvent(ctx, p.UserID, id)
	if err != nil {
		return Reminders{}, err
	}
	if r.Cancels != 0 {
		return Reminders{}, eventNotFound()
	}
	if r.ParentID != "" {
		r.ID = r.ParentID // reminders belong to the series
	}
	if len(minutes) > 10 {
		return Reminders{}, apperr.Invalid("body.minutes", "at most 10 reminders per event")
	}
	for i, n := range minutes {
		if n < 0 || n > maxReminder {
			return Reminders{}, apperr.Invalid(fmt.Sprintf("body.minutes[%d]", i), "a reminder is 0 to %d minutes before", maxReminder)
		}
	}
	minutes = slices.Compact(slices.Sorted(slices.Values(minutes)))
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_reminders WHERE event_id = ? AND user_id = ?`, r.ID, p.UserID); err != nil {
			return fmt.Errorf("set reminders: %w", err)
		}
		for _, n := range minutes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_reminders (event_id, user_id, minutes) VALUES (?, ?, ?)`, r.ID, p.UserID, n); err != nil {
				return fmt.Errorf("set reminders: %w", err)
			}
		}
		return nil
	})
	if minutes == nil {
		minutes = []int{}
	}
	return Reminders{Minutes: minutes}, err
}

// Start runs the reminder job.
func (m *Module) Start(ctx context.Context, s *jobs.Scheduler) {
	s.Every(ctx, "calendar-reminders", m.cfg.ReminderInterval, func(ctx context.Context) error {
		_, err := m.SendDueReminders(ctx)
		return err
	})
}

type reminderRow struct {
	EventID, UserID string
	Minutes         int
}

// SendDueReminders delivers every reminder due now (up to an hour late)
// and not delivered yet; it returns how many it delivered. It is safe to
// run on several nodes at once.
func (m *Module) SendDueReminders(ctx context.Context) (int, error) {
	now := m.now()
	ctx = authn.SystemContext(ctx, "calendar-reminders")
	// Candidates: reminders of live events with an occurrence that may
	// start between now - grace and a week from now.
	rows, err := m.db.QueryContext(ctx, `SELECT r.event_id, r.user_id, r.minutes FROM calendar_reminders r
		JOIN calendar_events e ON e.id = r.event_id
		WHERE e.cancelled_at = 0 AND e.start_at <= ? AND e.last_end_at > ? ORDER BY r.event_id, r.user_id, r.minutes`,
		ms(now.Add(maxReminder*time.Minute)), ms(now.Add(-reminderGrace)))
	if err != nil {
		return 0, fmt.Errorf("due reminders: %w", err)
	}
	var due []reminderRow
	for rows.Next() {
		var r reminderRow
		if err := rows.Scan(&r.EventID, &r.UserID, &r.Minutes); err != nil {
			rows.Close()
			return 0, fmt.Errorf("due reminders: %w", err)
		}
		due = append(due, r)
	}
	rows.Close()
	sent := 0
	for _, rem := range due {
		n, err := m.remind(ctx, rem, now)
		if err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, nil
}

// remind delivers one reminder's due occurrences.
func (m *Module) remind(ctx context.Context, rem reminderRow, now time.Time) (int, error) {
	ev, err := eventByID(ctx, m.db, rem.EventID)
	if err != nil {
		return 0, err
	}
	// The person must still see the event, and not have declined it.
	if ok, err := m.canSee(ctx, rem.UserID, ev); err != nil || !ok {
		return 0, err
	}
	before := time.Duration(rem.Minutes) * time.Minute
	from, to := now.Add(-reminderGrace).Add(before), now.Add(before).Add(time.Millisecond)
	rows, err := queryEvents(ctx, m.db, `WHERE (id = ? OR parent_id = ?) AND cancelled_at = 0 AND start_at < ? AND last_end_at > ?`,
		ev.ID, ev.ID, ms(to), ms(from))
	if err != nil {
		return 0, err
	}
	occ, err := m.expand(ctx, rem.UserID, rows, from, to, time.UTC)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range occ.Items {
		// expand lists occurrences overlapping the window; a reminder is
		// about the start.
		if o.StartAt.Before(from) || !o.StartAt.Before(to) || o.MyRSVP == RSVPDeclined {
			continue
		}
		delivered := false
		err := m.db.WithTx(ctx, func(tx *db.Tx) error {
			delivered = false
			res, err := tx.ExecContext(ctx, `INSERT INTO calendar_reminders_sent (event_id, user_id, minutes, occurrence_at, sent_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, rem.EventID, rem.UserID, rem.Minutes, ms(o.RecurrenceAt), ms(now))
			if err != nil {
				return fmt.Errorf("reminder: %w", err)
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // delivered already, here or on another node
			}
			delivered = true
			_, err = m.events.Append(ctx, tx, evReminderDue.With(ReminderDue{EventID: rem.EventID, CalendarID: o.CalendarID,
				Title: o.Title, CallLink: o.CallLink, StartAt: o.StartAt, RecurrenceAt: o.RecurrenceAt, Minutes: rem.Minutes}),
				"", rem.UserID, now)
			return err
		})
		if err != nil {
			return n, err
		}
		if delivered {
			n++
		}
	}
	return n, nil
}
