package calendar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// CalDAV (RFC 4791) at /dav/. Paths:
//
//	/dav/<user id>/                          the principal
//	/dav/<user id>/calendars/                its calendar home
//	/dav/<user id>/calendars/<calendar id>/  a calendar (u_… or c_…)
//	/dav/<user id>/calendars/<calendar id>/<name>.ics  an event with its overrides
//
// Every request authenticates with basic auth: the username and an API
// token (or session token) as the password. The same rules as the API
// decide what it may read and change.

// DAVPrefix is where CalDAV is served.
const DAVPrefix = "/dav"

// IsDAVPath reports whether a request path belongs to CalDAV (the
// identity middleware leaves these to the handler's own basic auth).
func IsDAVPath(p string) bool {
	return p == DAVPrefix || strings.HasPrefix(p, DAVPrefix+"/") || p == "/.well-known/caldav"
}

// DAVHandler serves CalDAV.
func (m *Module) DAVHandler() http.Handler {
	h := &caldav.Handler{Backend: &davBackend{m: m}, Prefix: DAVPrefix}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := m.davAuth(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="Kontor CalDAV", charset="UTF-8"`)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if p.ReadOnly && !davSafe(r.Method) {
			http.Error(w, "this API token has only the read scope; make one with the write scope to change calendars", http.StatusForbidden)
			return
		}
		// Another person's principal or home: not there for this caller.
		if rest, ok := strings.CutPrefix(r.URL.Path, DAVPrefix+"/"); ok && rest != "" {
			if who, _, _ := strings.Cut(rest, "/"); who != p.UserID {
				http.Error(w, "not found", http.StatusNotFound)
				return
			}
		}
		if r.Method == "MKCOL" || r.Method == "MKCALENDAR" {
			http.Error(w, "Kontor makes the calendars: your own and one per channel", http.StatusForbidden)
			return
		}
		ctx := authn.WithPrincipal(r.Context(), p)
		if r.Method == http.MethodPut {
			// Bounded, and checked as text before the decoder sees it.
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, m.cfg.MaxImportBytes))
			if err != nil {
				http.Error(w, fmt.Sprintf("the calendar object is larger than %d bytes", m.cfg.MaxImportBytes), http.StatusRequestEntityTooLarge)
				return
			}
			if err := m.checkICS(b); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		} else if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func davSafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "PROPFIND", "REPORT":
		return true
	}
	return false
}

var errDAVAuth = errors.New("sign in with your username and an API token as the password")

func (m *Module) davAuth(r *http.Request) (*authn.Principal, error) {
	user, pass, ok := r.BasicAuth()
	if !ok || pass == "" || m.tokens == nil {
		return nil, errDAVAuth
	}
	p, err := m.tokens.Authenticate(r.Context(), pass)
	if err != nil || p == nil || p.UserID == "" || !strings.EqualFold(p.Username, user) {
		return nil, errDAVAuth
	}
	return p, nil
}

type davBackend struct{ m *Module }

var _ caldav.Backend = (*davBackend)(nil)

// davError turns an error into what a CalDAV client is told: the message
// of errors meant for people, a plain "internal error" otherwise.
func (b *davBackend) davError(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		st := http.StatusBadRequest
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			st = http.StatusNotFound
		case errors.Is(err, apperr.ErrForbidden):
			st = http.StatusForbidden
		case errors.Is(err, apperr.ErrConflict):
			st = http.StatusConflict
		case errors.Is(err, apperr.ErrTooLarge):
			st = http.StatusRequestEntityTooLarge
		case errors.Is(err, apperr.ErrUnauthenticated):
			st = http.StatusUnauthorized
		}
		return webdav.NewHTTPError(st, errors.New(ae.Message))
	}
	id := ids.New()
	b.m.log.Error("caldav", "error_id", id, "error", err)
	return webdav.NewHTTPError(http.StatusInternalServerError, fmt.Errorf("internal error %s", id))
}

func davNotFound() error { return webdav.NewHTTPError(http.StatusNotFound, errors.New("not found")) }

func (b *davBackend) me(ctx context.Context) (*authn.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, webdav.NewHTTPError(http.StatusUnauthorized, errDAVAuth)
	}
	return p, nil
}

func (b *davBackend) CurrentUserPrincipal(ctx context.Context) (string, error) {
	p, err := b.me(ctx)
	if err != nil {
		return "", err
	}
	return DAVPrefix + "/" + p.UserID + "/", nil
}

func (b *davBackend) CalendarHomeSetPath(ctx context.Context) (string, error) {
	p, err := b.me(ctx)
	if err != nil {
		return "", err
	}
	return DAVPrefix + "/" + p.UserID + "/calendars/", nil
}

func (b *davBackend) CreateCalendar(ctx context.Context, _ *caldav.Calendar) error {
	return webdav.NewHTTPError(http.StatusForbidden, errors.New("Kontor makes the calendars: your own and one per channel"))
}

func (b *davBackend) calendar(ctx context.Context, c calRef) (caldav.Calendar, error) {
	p, _ := caller(ctx)
	name := "Kontor"
	if c.Kind == KindChannel {
		n, err := b.m.channels.ChannelName(ctx, c.ChannelID)
		if err != nil {
			return caldav.Calendar{}, err
		}
		name = "#" + n
	}
	return caldav.Calendar{Path: DAVPrefix + "/" + p.UserID + "/calendars/" + c.ID + "/", Name: name,
		MaxResourceSize: b.m.cfg.MaxImportBytes, SupportedComponentSet: []string{ical.CompEvent}}, nil
}

func (b *davBackend) ListCalendars(ctx context.Context) ([]caldav.Calendar, error) {
	p, err := b.me(ctx)
	if err != nil {
		return nil, err
	}
	cals, _, err := b.m.viewCalendars(ctx, p.UserID, false)
	if err != nil {
		return nil, b.davError(err)
	}
	out := make([]caldav.Calendar, 0, len(cals))
	for _, c := range cals {
		cal, err := b.calendar(ctx, c)
		if err != nil {
			return nil, b.davError(err)
		}
		out = append(out, cal)
	}
	return out, nil
}

// parsePath reads /dav/<user>/calendars/<calendar>/[<name>.ics]: the user
// must be the caller and the calendar one they read.
func (b *davBackend) parsePath(ctx context.Context, p string) (calRef, string, error) {
	me, err := b.me(ctx)
	if err != nil {
		return calRef{}, "", err
	}
	rest, ok := strings.CutPrefix(path.Clean(p), DAVPrefix+"/")
	if !ok {
		return calRef{}, "", davNotFound()
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 3 || len(parts) > 4 || parts[0] != me.UserID || parts[1] != "calendars" {
		return calRef{}, "", davNotFound()
	}
	c, err := parseCalID(parts[2])
	if err != nil {
		return calRef{}, "", davNotFound()
	}
	if ok, err := b.m.canRead(ctx, me.UserID, c); err != nil {
		return calRef{}, "", b.davError(err)
	} else if !ok {
		return calRef{}, "", davNotFound()
	}
	name := ""
	if len(parts) == 4 {
		name = parts[3]
		if !strings.HasSuffix(name, ".ics") || len(name) > 255 || name == ".ics" {
			return calRef{}, "", davNotFound()
		}
	}
	return c, name, nil
}

func (b *davBackend) GetCalendar(ctx context.Context, p string) (*caldav.Calendar, error) {
	c, _, err := b.parsePath(ctx, p)
	if err != nil {
		return nil, err
	}
	cal, err := b.calendar(ctx, c)
	if err != nil {
		return nil, b.davError(err)
	}
	return &cal, nil
}

// objectName is the resource name of a series.
func objectName(r eventRow) string {
	if r.DAVName != "" {
		return r.DAVName
	}
	return r.ID + ".ics"
}

// seriesByName finds the live series stored under a resource name.
func (b *davBackend) seriesByName(ctx context.Context, c calRef, name string) (eventRow, error) {
	rs, err := queryEvents(ctx, b.m.db, `WHERE calendar_id = ? AND dav_name = ? AND parent_id = '' AND cancelled_at = 0`, c.ID, name)
	if err != nil {
		return eventRow{}, err
	}
	if len(rs) > 0 {
		return rs[0], nil
	}
	id := strings.TrimSuffix(name, ".ics")
	if ids.Valid(id) {
		r, err := eventByID(ctx, b.m.db, id)
		if err == nil && r.CalendarID == c.ID && r.ParentID == "" && r.Cancels == 0 && r.DAVName == "" {
			return r, nil
		}
		if err != nil && !errors.Is(err, errNoRow) {
			return eventRow{}, err
		}
	}
	return eventRow{}, errNoRow
}

// object builds the calendar object of a series and its overrides.
func (b *davBackend) object(ctx context.Context, me string, r eventRow) (caldav.CalendarObject, error) {
	rows, as, err := seriesRows(ctx, b.m.db, r)
	if err != nil {
		return caldav.CalendarObject{}, err
	}
	return b.objectOf(me, r, rows, as)
}

// objectOf builds the object from a series' rows (the series first).
func (b *davBackend) objectOf(me string, r eventRow, rows []eventRow, as map[string][]Attendee) (caldav.CalendarObject, error) {
	cal, err := b.m.calendarOf(rows, as)
	if err != nil {
		return caldav.CalendarObject{}, err
	}
	mod := r.UpdatedAt
	for _, x := range rows {
		mod = max(mod, x.UpdatedAt)
	}
	return caldav.CalendarObject{Path: DAVPrefix + "/" + me + "/calendars/" + r.CalendarID + "/" + objectName(r),
		ModTime: fromMS(mod), ETag: fmt.Sprintf("%s-%d-%d-%d", r.ID, r.Sequence, mod, len(rows)),
		Data: cal}, nil
}

func (b *davBackend) GetCalendarObject(ctx context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	c, name, err := b.parsePath(ctx, p)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, davNotFound()
	}
	r, err := b.seriesByName(ctx, c, name)
	if errors.Is(err, errNoRow) {
		return nil, davNotFound()
	}
	if err != nil {
		return nil, b.davError(err)
	}
	me, _ := caller(ctx)
	o, err := b.object(ctx, me.UserID, r)
	if err != nil {
		return nil, b.davError(err)
	}
	return &o, nil
}

func (b *davBackend) objects(ctx context.Context, c calRef, from, to time.Time, window bool) ([]caldav.CalendarObject, error) {
	me, _ := caller(ctx)
	var rows []eventRow
	var err error
	if window {
		rows, err = b.m.windowRows(ctx, []string{c.ID}, "", nil, from, to)
	} else {
		rows, err = queryEvents(ctx, b.m.db, `WHERE calendar_id = ? AND cancelled_at = 0 ORDER BY start_at, id`, c.ID)
	}
	if err != nil {
		return nil, b.davError(err)
	}
	// One object per series: an override in the window brings its series.
	// Overrides and invitations are loaded for all series at once.
	var parents []string
	loaded := map[string]bool{}
	for _, r := range rows {
		if r.ParentID == "" {
			parents = append(parents, r.ID)
			loaded[r.ID] = true
		}
	}
	ovs, err := overridesOf(ctx, b.m.db, parents)
	if err != nil {
		return nil, b.davError(err)
	}
	as, err := attendeesOf(ctx, b.m.db, parents)
	if err != nil {
		return nil, b.davError(err)
	}
	seen := map[string]bool{}
	var out []caldav.CalendarObject
	for _, r := range rows {
		id := r.ID
		if r.ParentID != "" {
			id = r.ParentID
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		if r.ParentID != "" {
			if r, err = eventByID(ctx, b.m.db, id); err != nil || r.Cancels != 0 {
				continue
			}
		} else if window && (r.RRule != "" || r.RDates != "") {
			s, _, err := b.m.seriesOf(r)
			if err != nil {
				return nil, b.davError(err)
			}
			ts, err := s.between(from, to, 1)
			if err != nil && !errors.Is(err, errTooMany) {
				return nil, b.davError(err)
			}
			if len(ts) == 0 && !b.overrideIn(ctx, r.ID, from, to) {
				continue
			}
		}
		var o caldav.CalendarObject
		if loaded[r.ID] {
			series := []eventRow{r}
			for _, x := range ovs[r.ID] {
				if x.Cancels == 0 {
					series = append(series, x)
				}
			}
			o, err = b.objectOf(me.UserID, r, series, as)
		} else {
			o, err = b.object(ctx, me.UserID, r)
		}
		if err != nil {
			return nil, b.davError(err)
		}
		out = append(out, o)
	}
	return out, nil
}

func (b *davBackend) overrideIn(ctx context.Context, parentID string, from, to time.Time) bool {
	rs, err := queryEvents(ctx, b.m.db, `WHERE parent_id = ? AND cancelled_at = 0 AND start_at < ? AND end_at > ?`, parentID, ms(to), ms(from))
	return err == nil && len(rs) > 0
}

func (b *davBackend) ListCalendarObjects(ctx context.Context, p string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	c, _, err := b.parsePath(ctx, p)
	if err != nil {
		return nil, err
	}
	return b.objects(ctx, c, time.Time{}, time.Time{}, false)
}

// QueryCalendarObjects answers calendar-query: a time range narrows the
// series by their occurrences (bounded expansion); property filters such
// as a UID match are applied to what is left.
func (b *davBackend) QueryCalendarObjects(ctx context.Context, p string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	c, _, err := b.parsePath(ctx, p)
	if err != nil {
		return nil, err
	}
	from, to, window := time.Time{}, time.Time{}, false
	for _, f := range q.CompFilter.Comps {
		if f.Name == ical.CompEvent && (!f.Start.IsZero() || !f.End.IsZero()) {
			from, to, window = f.Start, f.End, true
		}
	}
	if window {
		if from.IsZero() || from.Year() < minYear {
			from = time.Date(minYear, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if to.IsZero() || to.Year() > maxYear {
			to = time.Date(maxYear, 1, 1, 0, 0, 0, 0, time.UTC)
		}
	}
	objs, err := b.objects(ctx, c, from, to, window)
	if err != nil {
		return nil, err
	}
	// The time range is decided above; the library checks the rest.
	rest := *q
	rest.CompFilter.Comps = nil
	for _, f := range q.CompFilter.Comps {
		f.Start, f.End = time.Time{}, time.Time{}
		rest.CompFilter.Comps = append(rest.CompFilter.Comps, f)
	}
	filtered, err := caldav.Filter(&rest, objs)
	if err != nil {
		return objs, nil
	}
	return filtered, nil
}

func (b *davBackend) PutCalendarObject(ctx context.Context, p string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	me, err := b.me(ctx)
	if err != nil {
		return nil, err
	}
	c, name, err := b.parsePath(ctx, p)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, webdav.NewHTTPError(http.StatusMethodNotAllowed, errors.New("PUT an event into a calendar"))
	}
	kind, uid, err := caldav.ValidateCalendarObject(cal)
	if err != nil || kind != ical.CompEvent || uid == "" {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, errors.New("a calendar object holds the VEVENTs of one UID (Kontor keeps events, not tasks or journals)"))
	}
	// Read and check everything before anything is stored.
	var master *draft
	type override struct {
		at time.Time
		d  draft
	}
	var overrides []override
	for _, comp := range cal.Children {
		if comp.Name != ical.CompEvent {
			continue
		}
		n, _, rid, err := fromComponent(comp)
		if err != nil {
			return nil, b.davError(err)
		}
		if rid != nil {
			n.RRule, n.RDates, n.ExDates = "", nil, nil
		}
		d, err := b.m.check(n)
		if err != nil {
			return nil, b.davError(err)
		}
		if rid == nil {
			master = &d
		} else {
			overrides = append(overrides, override{*rid, d})
		}
	}
	if master == nil {
		return nil, webdav.NewHTTPError(http.StatusBadRequest, errors.New("the object has no master VEVENT (one without RECURRENCE-ID)"))
	}
	old, err := b.seriesByName(ctx, c, name)
	exists := err == nil
	if err != nil && !errors.Is(err, errNoRow) {
		return nil, b.davError(err)
	}
	if exists {
		cur, err := b.object(ctx, me.UserID, old)
		if err != nil {
			return nil, b.davError(err)
		}
		if opts.IfNoneMatch.IsWildcard() {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the object exists already"))
		}
		if opts.IfMatch.IsSet() && !opts.IfMatch.IsWildcard() {
			if want, err := opts.IfMatch.ETag(); err != nil || want != cur.ETag {
				return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("the object changed since you read it"))
			}
		}
		if ok, err := b.m.canEdit(ctx, me.UserID, old); err != nil {
			return nil, b.davError(err)
		} else if !ok {
			return nil, b.davError(writeForbidden())
		}
		as, err := attendeesOf(ctx, b.m.db, []string{old.ID})
		if err != nil {
			return nil, b.davError(err)
		}
		master.Attendees = invitees(as[old.ID])
		if _, err := b.m.save(ctx, me.UserID, old, *master, false, map[string]string{"via": "caldav"}); err != nil {
			return nil, b.davError(err)
		}
	} else {
		if opts.IfMatch.IsSet() {
			return nil, webdav.NewHTTPError(http.StatusPreconditionFailed, errors.New("no such object"))
		}
		if ok, err := b.m.canAdd(ctx, me.UserID, c); err != nil {
			return nil, b.davError(err)
		} else if !ok {
			return nil, davNotFound()
		}
		davName := name
		if _, err := b.m.insert(ctx, me.UserID, c, *master, uid, davName); err != nil {
			return nil, b.davError(err)
		}
		if old, err = b.seriesByName(ctx, c, name); err != nil {
			return nil, b.davError(err)
		}
	}
	if err := b.putOverrides(ctx, me.UserID, old.ID, func(yield func(time.Time, draft) error) error {
		for _, o := range overrides {
			if err := yield(o.at, o.d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, b.davError(err)
	}
	r, err := eventByID(ctx, b.m.db, old.ID)
	if err != nil {
		return nil, b.davError(err)
	}
	o, err := b.object(ctx, me.UserID, r)
	if err != nil {
		return nil, b.davError(err)
	}
	return &o, nil
}

// putOverrides makes the series' overrides what the client sent: changed
// in place where one exists, added where not, cancelled where the client
// dropped one.
func (b *davBackend) putOverrides(ctx context.Context, actor, parentID string, each func(func(time.Time, draft) error) error) error {
	existing, err := queryEvents(ctx, b.m.db, `WHERE parent_id = ? AND cancelled_at = 0`, parentID)
	if err != nil {
		return err
	}
	byAt := map[int64]eventRow{}
	for _, e := range existing {
		byAt[e.RecurrenceAt] = e
	}
	kept := map[int64]bool{}
	err = each(func(at time.Time, d draft) error {
		kept[ms(at)] = true
		if e, ok := byAt[ms(at)]; ok {
			_, err := b.m.save(ctx, actor, e, d, false, map[string]string{"via": "caldav"})
			return err
		}
		parent, err := eventByID(ctx, b.m.db, parentID)
		if err != nil {
			return err
		}
		if _, _, err := b.m.occurrenceOf(parent, at); err != nil {
			return err
		}
		_, err = b.m.insertOverride(ctx, actor, parent, at, d)
		return err
	})
	if err != nil {
		return err
	}
	for at, e := range byAt {
		if !kept[at] {
			if err := b.m.cancel(ctx, actor, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *davBackend) DeleteCalendarObject(ctx context.Context, p string) error {
	me, err := b.me(ctx)
	if err != nil {
		return err
	}
	c, name, err := b.parsePath(ctx, p)
	if err != nil {
		return err
	}
	if name == "" {
		return webdav.NewHTTPError(http.StatusForbidden, errors.New("Kontor's calendars cannot be deleted"))
	}
	r, err := b.seriesByName(ctx, c, name)
	if errors.Is(err, errNoRow) {
		return davNotFound()
	}
	if err != nil {
		return b.davError(err)
	}
	if ok, err := b.m.canEdit(ctx, me.UserID, r); err != nil {
		return b.davError(err)
	} else if !ok {
		return b.davError(writeForbidden())
	}
	return b.davError(b.m.cancel(ctx, me.UserID, r))
}
