package calendar

import (
	"context"
	"errors"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Who may do what. Every path (API, feeds, CalDAV) asks these, never the
// tables directly.

var errNotAPerson = apperr.Forbidden("calendars belong to people; this caller is not one").WithCode(apperr.CodeUserRequired)

// calRef names a calendar: u_<user id> is a person's, c_<channel id> a
// channel's. The id says what it is, so no row has to exist before the
// first event.
type calRef struct {
	ID, Kind, UserID, ChannelID string
}

func personal(userID string) calRef {
	return calRef{ID: "u_" + userID, Kind: KindPersonal, UserID: userID}
}

func channelCal(channelID string) calRef {
	return calRef{ID: "c_" + channelID, Kind: KindChannel, ChannelID: channelID}
}

func calendarNotFound() error {
	return apperr.NotFound("no such calendar, or you may not read it").WithCode(apperr.CodeCalendarNotFound)
}

func eventNotFound() error {
	return apperr.NotFound("no such event, or you may not read it").WithCode(apperr.CodeEventNotFound)
}

func writeForbidden() error {
	return apperr.Forbidden("only the calendar's owner, the event's organizer or a channel admin may change this").WithCode(apperr.CodeEventWriteForbidden)
}

func parseCalID(id string) (calRef, error) {
	kind, rest, ok := strings.Cut(id, "_")
	if !ok || !ids.Valid(rest) {
		return calRef{}, calendarNotFound()
	}
	switch kind {
	case "u":
		return personal(rest), nil
	case "c":
		return channelCal(rest), nil
	}
	return calRef{}, calendarNotFound()
}

// canRead: a personal calendar is its owner's, a channel's is its members'.
func (m *Module) canRead(ctx context.Context, userID string, c calRef) (bool, error) {
	if c.Kind == KindPersonal {
		return c.UserID == userID, nil
	}
	return m.channels.CanRead(ctx, userID, c.ChannelID)
}

// canAdd: the owner adds to a personal calendar; any member of a channel
// adds to its calendar and becomes the event's organizer.
func (m *Module) canAdd(ctx context.Context, userID string, c calRef) (bool, error) {
	return m.canRead(ctx, userID, c)
}

// canEdit: the owner of a personal calendar; for a channel's, the
// organizer while still a member, or a channel admin.
func (m *Module) canEdit(ctx context.Context, userID string, ev eventRow) (bool, error) {
	c, err := parseCalID(ev.CalendarID)
	if err != nil {
		return false, nil
	}
	if c.Kind == KindPersonal {
		return c.UserID == userID, nil
	}
	if ev.OrganizerID == userID {
		if ok, err := m.channels.CanRead(ctx, userID, c.ChannelID); ok || err != nil {
			return ok, err
		}
	}
	return m.channels.IsChannelAdmin(ctx, userID, c.ChannelID)
}

// canSee: who reads the calendar, and the people and channel members
// invited to the event (overrides inherit their series' invitations).
func (m *Module) canSee(ctx context.Context, userID string, ev eventRow) (bool, error) {
	c, err := parseCalID(ev.CalendarID)
	if err != nil {
		return false, nil
	}
	if ok, err := m.canRead(ctx, userID, c); ok || err != nil {
		return ok, err
	}
	id := ev.ID
	if ev.ParentID != "" {
		id = ev.ParentID
	}
	as, err := attendeesOf(ctx, m.db, []string{id})
	if err != nil {
		return false, err
	}
	for _, a := range as[id] {
		if a.UserID == userID {
			return true, nil
		}
		if a.ChannelID != "" {
			if ok, err := m.channels.CanRead(ctx, userID, a.ChannelID); ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// visibleEvent loads an event the caller may see, or says it does not
// exist: someone who may not see it learns nothing, not even that it is.
func (m *Module) visibleEvent(ctx context.Context, userID, id string) (eventRow, error) {
	if !ids.Valid(id) {
		return eventRow{}, eventNotFound()
	}
	ev, err := eventByID(ctx, m.db, id)
	if errors.Is(err, errNoRow) {
		return ev, eventNotFound()
	}
	if err != nil {
		return ev, err
	}
	ok, err := m.canSee(ctx, userID, ev)
	if err != nil {
		return ev, err
	}
	if !ok {
		return ev, eventNotFound()
	}
	return ev, nil
}

// editableEvent loads an event the caller may change.
func (m *Module) editableEvent(ctx context.Context, userID, id string) (eventRow, error) {
	ev, err := m.visibleEvent(ctx, userID, id)
	if err != nil {
		return ev, err
	}
	if ev.Cancels != 0 {
		return ev, eventNotFound()
	}
	ok, err := m.canEdit(ctx, userID, ev)
	if err != nil {
		return ev, err
	}
	if !ok {
		return ev, writeForbidden()
	}
	return ev, nil
}

// viewCalendars returns the calendars in userID's view: their own and
// their channels' (hidden ones apart when withHidden is false).
func (m *Module) viewCalendars(ctx context.Context, userID string, withHidden bool) ([]calRef, []string, error) {
	chans, err := m.channels.ReadableChannels(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	hidden := map[string]bool{}
	if !withHidden {
		if hidden, err = hiddenOf(ctx, m.db, userID); err != nil {
			return nil, nil, err
		}
	}
	out := []calRef{personal(userID)}
	for _, c := range chans {
		if r := channelCal(c); !hidden[r.ID] {
			out = append(out, r)
		}
	}
	return out, chans, nil
}
