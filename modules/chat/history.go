package chat

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// History: reading a channel's messages, one message, its versions.

// Page asks for messages around a position in a channel.
type Page struct {
	Before int64 // messages with seq < Before
	After  int64 // messages with seq > After
	Around int64 // messages around this seq (half before, half after)
	Limit  int
}

// Messages lists a channel's messages (thread replies are in Thread),
// oldest first. Without a position it returns the newest.
func (m *Module) Messages(ctx context.Context, channelID string, pg Page) ([]Message, error) {
	a, err := m.loadMember(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	limit := m.pageSize(pg.Limit)
	now := millis(m.now())
	base := `channel_id = ? AND root_id = '' AND ` + visible
	var rows []messageRow
	switch {
	case pg.Around > 0:
		older, err := queryMessages(ctx, m.db, base+` AND seq < ? ORDER BY seq DESC LIMIT ?`, channelID, now, pg.Around, limit/2)
		if err != nil {
			return nil, err
		}
		newer, err := queryMessages(ctx, m.db, base+` AND seq >= ? ORDER BY seq LIMIT ?`, channelID, now, pg.Around, limit-limit/2)
		if err != nil {
			return nil, err
		}
		rows = append(reverse(older), newer...)
	case pg.After > 0:
		rows, err = queryMessages(ctx, m.db, base+` AND seq > ? ORDER BY seq LIMIT ?`, channelID, now, pg.After, limit)
	case pg.Before > 0:
		rows, err = queryMessages(ctx, m.db, base+` AND seq < ? ORDER BY seq DESC LIMIT ?`, channelID, now, pg.Before, limit)
		rows = reverse(rows)
	default:
		rows, err = queryMessages(ctx, m.db, base+` ORDER BY seq DESC LIMIT ?`, channelID, now, limit)
		rows = reverse(rows)
	}
	if err != nil {
		return nil, err
	}
	return m.views(ctx, a, rows)
}

func reverse(rs []messageRow) []messageRow {
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs
}

// Message returns one message.
func (m *Module) Message(ctx context.Context, channelID, messageID string) (Message, error) {
	a, r, err := m.loadMessage(ctx, m.db, channelID, messageID)
	if err != nil {
		return Message{}, err
	}
	vs, err := m.views(ctx, a, []messageRow{r})
	if err != nil {
		return Message{}, err
	}
	return vs[0], nil
}

// Versions returns the earlier texts of a message, for its author and for
// compliance officers in the channel.
func (m *Module) Versions(ctx context.Context, channelID, messageID string) ([]Version, error) {
	a, r, err := m.loadMessage(ctx, m.db, channelID, messageID)
	if err != nil {
		return nil, err
	}
	if r.UserID != a.p.UserID && !a.p.Has(authn.RoleCompliance) {
		return nil, apperr.Forbidden("the edit history is shown to the author and to compliance officers").WithCode(apperr.CodeComplianceRequired)
	}
	return versions(ctx, m.db, messageID)
}
