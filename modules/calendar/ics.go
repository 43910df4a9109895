package calendar

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// iCalendar (RFC 5545): events out as VEVENTs (overrides with
// RECURRENCE-ID), .ics files in after a strict check of the raw text.

const (
	prodID      = "-//Kontor//Calendar//EN"
	feedPrefix  = "kcf_"
	maxLineSize = 75 * 1000 // a physical line; folded lines are 75 octets
	maxEvents   = 5000      // VEVENTs in one file
	icsDate     = "20060102"
	icsLocal    = "20060102T150405"
)

func badICS(format string, args ...any) error {
	return apperr.Invalid("body", format, args...).WithCode(apperr.CodeInvalidCalendarData)
}

// checkICS refuses what a decoder should never see: bytes that are not
// text, lines that are neither a property nor a folded continuation, and
// properties (after unfolding) larger than any event field may be.
func (m *Module) checkICS(b []byte) error {
	if int64(len(b)) > m.cfg.MaxImportBytes {
		return apperr.TooLarge("the file is %d bytes; at most %d are allowed", len(b), m.cfg.MaxImportBytes).WithCode(apperr.CodeCalendarDataTooLarge)
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return badICS("the file is not UTF-8 text")
	}
	maxProp := m.cfg.MaxDescriptionBytes*2 + 1024 // escaping may double a text
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	prop, events := 0, 0
	for i, l := range lines {
		if len(l) > maxLineSize {
			return badICS("line %d is %d bytes long; fold long lines (RFC 5545 section 3.1)", i+1, len(l))
		}
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if i == 0 || prop == 0 {
				return badICS("line %d continues a line that is not there (broken folding)", i+1)
			}
			prop += len(l) - 1
		} else {
			name, _, ok := strings.Cut(l, ":")
			if !ok || name == "" {
				return badICS("line %d is neither a property (NAME:value) nor a folded continuation; was a long line folded without the leading space?", i+1)
			}
			prop = len(l)
			if strings.EqualFold(l, "BEGIN:VEVENT") {
				if events++; events > maxEvents {
					return badICS("the file holds more than %d events", maxEvents)
				}
			}
		}
		if prop > maxProp {
			return badICS("the property ending on line %d is %d bytes; at most %d are allowed", i+1, prop, maxProp)
		}
	}
	return nil
}

// decodeICS checks and decodes a calendar.
func (m *Module) decodeICS(b []byte) (*ical.Calendar, error) {
	if err := m.checkICS(b); err != nil {
		return nil, err
	}
	cal, err := ical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil {
		return nil, badICS("the file is not iCalendar: %v", err)
	}
	return cal, nil
}

// component turns a stored row into a VEVENT.
func (m *Module) component(r eventRow, as []Attendee, parent *eventRow) (*ical.Component, error) {
	s, loc, err := m.seriesOf(r)
	if err != nil {
		return nil, err
	}
	c := ical.NewComponent(ical.CompEvent)
	text := func(name, v string) {
		if v != "" {
			c.Props.SetText(name, v)
		}
	}
	text("UID", r.UID)
	c.Props.SetDateTime("DTSTAMP", fromMS(r.UpdatedAt))
	c.Props.SetDateTime("CREATED", fromMS(r.CreatedAt))
	c.Props.SetDateTime("LAST-MODIFIED", fromMS(r.UpdatedAt))
	seq := ical.NewProp("SEQUENCE")
	seq.Value = fmt.Sprint(r.Sequence)
	c.Props.Set(seq)
	text("SUMMARY", r.Title)
	text("DESCRIPTION", r.Description)
	text("LOCATION", r.Location)
	if r.CallLink != "" {
		text("X-KONTOR-CALL", r.CallLink)
		if strings.HasPrefix(r.CallLink, "http") {
			u := ical.NewProp("URL")
			u.SetValueType(ical.ValueURI)
			u.Value = r.CallLink
			c.Props.Set(u)
		}
	}
	when := func(name string, t time.Time) {
		if r.AllDay {
			c.Props.SetDate(name, t)
		} else {
			c.Props.SetDateTime(name, t)
		}
	}
	when("DTSTART", s.start)
	when("DTEND", s.end)
	if r.RRule != "" && r.ParentID == "" {
		p := ical.NewProp("RRULE")
		p.SetValueType(ical.ValueRecurrence)
		p.Value = r.RRule
		c.Props.Set(p)
	}
	for _, d := range s.exdates {
		p := ical.NewProp("EXDATE")
		if r.AllDay {
			p.SetDate(d)
		} else {
			p.SetDateTime(d)
		}
		c.Props.Add(p)
	}
	for _, d := range s.rdates {
		p := ical.NewProp("RDATE")
		if r.AllDay {
			p.SetDate(d)
		} else {
			p.SetDateTime(d)
		}
		c.Props.Add(p)
	}
	if parent != nil {
		orig := fromMS(r.RecurrenceAt).In(loc)
		p := ical.NewProp("RECURRENCE-ID")
		if parent.AllDay {
			p.SetDate(orig)
		} else {
			p.SetDateTime(orig)
		}
		c.Props.Set(p)
	}
	if r.Cancels != 0 {
		text("STATUS", "CANCELLED")
	}
	org := ical.NewProp("ORGANIZER")
	org.Value = "urn:kontor:user:" + r.OrganizerID
	c.Props.Set(org)
	for _, a := range as {
		p := ical.NewProp("ATTENDEE")
		if a.UserID != "" {
			p.Value = "urn:kontor:user:" + a.UserID
			p.Params.Set("PARTSTAT", strings.ToUpper(strings.ReplaceAll(a.RSVP, "_", "-")))
		} else {
			p.Value = "urn:kontor:channel:" + a.ChannelID
			p.Params.Set("CUTYPE", "GROUP")
		}
		c.Props.Add(p)
	}
	return c, nil
}

// encode writes a VCALENDAR of the rows (series with their overrides).
func (m *Module) encode(rows []eventRow, attendees map[string][]Attendee) ([]byte, error) {
	cal, err := m.calendarOf(rows, attendees)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("encode ics: %w", err)
	}
	return buf.Bytes(), nil
}

// calendarOf makes a VCALENDAR of the rows (series with their overrides).
func (m *Module) calendarOf(rows []eventRow, attendees map[string][]Attendee) (*ical.Calendar, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText("VERSION", "2.0")
	cal.Props.SetText("PRODID", prodID)
	byID := map[string]*eventRow{}
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	for _, r := range rows {
		var parent *eventRow
		aid := r.ID
		if r.ParentID != "" {
			if parent = byID[r.ParentID]; parent == nil {
				continue
			}
			aid = r.ParentID
		}
		c, err := m.component(r, attendees[aid], parent)
		if err != nil {
			return nil, err
		}
		cal.Children = append(cal.Children, c)
	}
	return cal, nil
}

// seriesRows returns a series with its live overrides, parent first.
func seriesRows(ctx context.Context, q db.Querier, r eventRow) ([]eventRow, map[string][]Attendee, error) {
	rows := []eventRow{r}
	if r.ParentID == "" {
		ovs, err := queryEvents(ctx, q, `WHERE parent_id = ? AND cancelled_at = 0 ORDER BY recurrence_at`, r.ID)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, ovs...)
	}
	as, err := attendeesOf(ctx, q, []string{r.ID})
	return rows, as, err
}

// EventICS returns an event (with its overrides) as an .ics file.
func (m *Module) EventICS(ctx context.Context, id string) ([]byte, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := m.visibleEvent(ctx, p.UserID, id)
	if err != nil {
		return nil, err
	}
	if r.ParentID != "" {
		if r, err = eventByID(ctx, m.db, r.ParentID); err != nil {
			return nil, err
		}
	}
	rows, as, err := seriesRows(ctx, m.db, r)
	if err != nil {
		return nil, err
	}
	return m.encode(rows, as)
}

// fromComponent reads a VEVENT into an event's fields. The zone is the
// TZID of DTSTART when it is an IANA name, UTC otherwise.
func fromComponent(c *ical.Component) (NewEvent, string, *time.Time, error) {
	var n NewEvent
	get := func(name string) string {
		if p := c.Props.Get(name); p != nil {
			if v, err := c.Props.Text(name); err == nil {
				return v
			}
			return p.Value
		}
		return ""
	}
	uid := get("UID")
	if uid == "" || len(uid) > 255 {
		return n, "", nil, badICS("every event needs a UID of at most 255 characters")
	}
	ds := c.Props.Get("DTSTART")
	if ds == nil {
		return n, uid, nil, badICS("event %q has no DTSTART", uid)
	}
	loc := time.UTC
	if tz := ds.Params.Get("TZID"); tz != "" {
		if l, err := loadZone("body", tz); err == nil {
			loc = l
		}
	}
	allDay := ds.ValueType() == ical.ValueDate || len(ds.Value) == len(icsDate)
	parse := func(p *ical.Prop) (time.Time, error) {
		pl := loc
		if tz := p.Params.Get("TZID"); tz != "" {
			if l, err := loadZone("body", tz); err == nil {
				pl = l
			}
		}
		var t time.Time
		var err error
		switch {
		case len(p.Value) == len(icsDate):
			t, err = time.ParseInLocation(icsDate, p.Value, loc)
		case strings.HasSuffix(p.Value, "Z"):
			t, err = time.Parse(icsLocal+"Z", p.Value)
		default:
			t, err = time.ParseInLocation(icsLocal, p.Value, pl)
		}
		if err != nil {
			return t, badICS("event %q: %q is not an iCalendar date or time", uid, p.Value)
		}
		return t.In(loc), nil
	}
	start, err := parse(ds)
	if err != nil {
		return n, uid, nil, err
	}
	end := start.Add(time.Hour)
	if allDay {
		end = start.AddDate(0, 0, 1)
	}
	if de := c.Props.Get("DTEND"); de != nil {
		if end, err = parse(de); err != nil {
			return n, uid, nil, err
		}
	} else if du := c.Props.Get("DURATION"); du != nil {
		d, err := du.Duration()
		if err != nil || d <= 0 {
			return n, uid, nil, badICS("event %q: DURATION %q cannot be read", uid, du.Value)
		}
		end = start.Add(d)
	} else if !allDay {
		end = start.Add(time.Minute) // RFC 5545: no DTEND, an instant; Kontor needs a length
	}
	format := func(t time.Time) string {
		if allDay {
			return t.Format(dateLayout)
		}
		return t.Format(localLayout)
	}
	n = NewEvent{Title: get("SUMMARY"), Description: get("DESCRIPTION"), Location: get("LOCATION"), TimeZone: loc.String(),
		AllDay: allDay, Start: format(start), End: format(end)}
	if strings.TrimSpace(n.Title) == "" {
		n.Title = "(no title)"
	}
	if link := get("X-KONTOR-CALL"); link != "" {
		n.CallLink = link
	} else if u := get("URL"); checkLink(u) == nil {
		n.CallLink = u
	}
	if rr := c.Props.Get("RRULE"); rr != nil {
		n.RRule = rr.Value
	}
	for _, name := range []string{"EXDATE", "RDATE"} {
		for _, p := range c.Props.Values(name) {
			for _, v := range strings.Split(p.Value, ",") {
				q := p
				q.Value = v
				t, err := parse(&q)
				if err != nil {
					return n, uid, nil, err
				}
				if name == "EXDATE" {
					n.ExDates = append(n.ExDates, format(t))
				} else {
					n.RDates = append(n.RDates, format(t))
				}
			}
		}
	}
	var rid *time.Time
	if p := c.Props.Get("RECURRENCE-ID"); p != nil {
		t, err := parse(p)
		if err != nil {
			return n, uid, nil, err
		}
		t = t.UTC()
		rid = &t
	}
	return n, uid, rid, nil
}

// Import adds the events of an .ics file to a calendar the caller may add
// to; an event whose UID is there already is updated when the caller may
// change it. Nothing is stored unless the whole file is acceptable.
func (m *Module) Import(ctx context.Context, calendarID string, b []byte) (ImportResult, error) {
	var res ImportResult
	p, err := caller(ctx)
	if err != nil {
		return res, err
	}
	c, err := parseCalID(calendarID)
	if err != nil {
		return res, err
	}
	if ok, err := m.canAdd(ctx, p.UserID, c); err != nil {
		return res, err
	} else if !ok {
		return res, calendarNotFound()
	}
	cal, err := m.decodeICS(b)
	if err != nil {
		return res, err
	}
	type item struct {
		d   draft
		uid string
	}
	var items []item
	for _, comp := range cal.Children {
		if comp.Name != ical.CompEvent {
			continue
		}
		n, uid, rid, err := fromComponent(comp)
		if err != nil {
			return res, err
		}
		if rid != nil {
			continue // single-occurrence changes: CalDAV keeps them; an import takes the series
		}
		d, err := m.check(n)
		if err != nil {
			return res, badICS("event %q: %v", uid, err)
		}
		items = append(items, item{d, uid})
	}
	for _, it := range items {
		old, err := eventByUID(ctx, m.db, c.ID, it.uid)
		switch {
		case errors.Is(err, errNoRow):
			if _, err := m.insert(ctx, p.UserID, c, it.d, it.uid, ""); err != nil {
				return res, err
			}
			res.Created++
		case err != nil:
			return res, err
		default:
			if ok, err := m.canEdit(ctx, p.UserID, old); err != nil {
				return res, err
			} else if !ok {
				return res, writeForbidden()
			}
			as, err := attendeesOf(ctx, m.db, []string{old.ID})
			if err != nil {
				return res, err
			}
			it.d.Attendees = invitees(as[old.ID])
			if _, err := m.save(ctx, p.UserID, old, it.d, false, map[string]string{"via": "import"}); err != nil {
				return res, err
			}
			res.Updated++
		}
	}
	return res, nil
}

// FeedPath is where private feeds are served: the rest of the path is the
// token, a credential (the request log must not show it).
const FeedPath = httpapi.APIPrefix + "/calendar/feed/"

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// CreateFeed makes a private feed URL for the caller's view (calendarID
// empty) or one calendar they read. The token is shown once.
func (m *Module) CreateFeed(ctx context.Context, calendarID string) (Feed, error) {
	p, err := caller(ctx)
	if err != nil {
		return Feed{}, err
	}
	if calendarID != "" {
		c, err := parseCalID(calendarID)
		if err != nil {
			return Feed{}, err
		}
		if ok, err := m.canRead(ctx, p.UserID, c); err != nil {
			return Feed{}, err
		} else if !ok {
			return Feed{}, calendarNotFound()
		}
	}
	token := feedPrefix + ids.Token(32)
	f := Feed{ID: ids.New(), CalendarID: calendarID, CreatedAt: m.now(), Token: token}
	f.URL = FeedPath + token
	if _, err := m.db.ExecContext(ctx, `INSERT INTO calendar_feeds (id, user_id, calendar_id, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		f.ID, p.UserID, calendarID, hashToken(token), ms(f.CreatedAt)); err != nil {
		return Feed{}, fmt.Errorf("create feed: %w", err)
	}
	return f, nil
}

// MyFeeds lists the caller's live feeds (without their tokens).
func (m *Module) MyFeeds(ctx context.Context) ([]Feed, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := m.db.QueryContext(ctx, `SELECT id, calendar_id, created_at FROM calendar_feeds WHERE user_id = ? AND revoked_at = 0 ORDER BY created_at, id`, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	out := []Feed{}
	for rows.Next() {
		var f Feed
		var at int64
		if err := rows.Scan(&f.ID, &f.CalendarID, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = fromMS(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// RevokeFeed ends a feed URL of the caller's.
func (m *Module) RevokeFeed(ctx context.Context, id string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	res, err := m.db.ExecContext(ctx, `UPDATE calendar_feeds SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at = 0`,
		ms(m.now()), id, p.UserID)
	if err != nil {
		return fmt.Errorf("revoke feed: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("no such feed of yours").WithCode(apperr.CodeFeedNotFound)
	}
	return nil
}

// FeedICS serves a feed by its token. What it shows is decided now, for
// the person the feed belongs to: leaving a channel or being disabled
// ends what the feed shows, and a revoked token shows nothing.
func (m *Module) FeedICS(ctx context.Context, token string) ([]byte, error) {
	gone := apperr.NotFound("this feed is unknown or was revoked").WithCode(apperr.CodeFeedNotFound)
	if !strings.HasPrefix(token, feedPrefix) || len(token) > 80 {
		return nil, gone
	}
	var userID, calendarID string
	err := m.db.QueryRowContext(ctx, `SELECT user_id, calendar_id FROM calendar_feeds WHERE token_hash = ? AND revoked_at = 0`,
		hashToken(token)).Scan(&userID, &calendarID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gone
	}
	if err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	active, err := m.users.ActiveIDs(ctx, []string{userID})
	if err != nil {
		return nil, err
	}
	if !active[userID] {
		return nil, gone
	}
	from, to := time.Date(minYear, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(maxYear, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []eventRow
	if calendarID != "" {
		c, err := parseCalID(calendarID)
		if err != nil {
			return nil, gone
		}
		if ok, err := m.canRead(ctx, userID, c); err != nil {
			return nil, err
		} else if !ok {
			return nil, gone
		}
		rows, err = m.windowRows(ctx, []string{c.ID}, "", nil, from, to)
		if err != nil {
			return nil, err
		}
	} else {
		cals, chans, err := m.viewCalendars(ctx, userID, false)
		if err != nil {
			return nil, err
		}
		calIDs := make([]string, len(cals))
		for i, c := range cals {
			calIDs[i] = c.ID
		}
		if rows, err = m.windowRows(ctx, calIDs, userID, chans, from, to); err != nil {
			return nil, err
		}
	}
	var eventIDs []string
	for _, r := range rows {
		if r.ParentID == "" {
			eventIDs = append(eventIDs, r.ID)
		}
	}
	as, err := attendeesOf(ctx, m.db, eventIDs)
	if err != nil {
		return nil, err
	}
	return m.encode(rows, as)
}
