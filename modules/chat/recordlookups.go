package chat

import (
	"context"
	"fmt"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// Lookups for the compliance desk, which reads every conversation on the
// record: they see all channels, private ones too, and check no caller
// (the desk checks the compliance role before it asks).

// ChannelIDsNamed returns every channel called name (public and private
// ones may share a name), for in:~name in e-discovery.
func (m *Module) ChannelIDsNamed(ctx context.Context, name string) ([]string, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT id FROM channels WHERE name = ? ORDER BY id`, strings.ToLower(strings.TrimSpace(name)))
	if err != nil {
		return nil, fmt.Errorf("channels named %q: %w", name, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("channels named %q: %w", name, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ChannelNames returns the names of channels (DMs have none and are left
// out).
func (m *Module) ChannelNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := m.db.QueryContext(ctx, `SELECT id, name FROM channels WHERE id IN (`+db.In(len(ids))+`) AND name <> ''`, args...)
	if err != nil {
		return nil, fmt.Errorf("channel names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("channel names: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}
