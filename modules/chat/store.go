package chat

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// The store: every SQL statement of the chat module.

func scanChannelRow(s db.Scanner) (channelRow, error) { return scanChannel(s) }

type channelRow struct {
	ID, Kind, Name, DisplayName, Topic, Purpose string
	Announcement                                bool
	DMKey, CreatedBy                            string
	CreatedAt, UpdatedAt, ArchivedAt            int64
	LastSeq, LastMessageAt                      int64
}

const channelCols = `id, kind, name, display_name, topic, purpose, announcement, dm_key, created_by, created_at, updated_at,
	archived_at, last_seq, last_message_at`

// channelColsC is channelCols of the table aliased c (TestChannelColsC
// keeps the two in step).
const channelColsC = `c.id, c.kind, c.name, c.display_name, c.topic, c.purpose, c.announcement, c.dm_key, c.created_by,
	c.created_at, c.updated_at, c.archived_at, c.last_seq, c.last_message_at`

func scanChannel(s db.Scanner, extra ...any) (channelRow, error) {
	var c channelRow
	err := s.Scan(append([]any{&c.ID, &c.Kind, &c.Name, &c.DisplayName, &c.Topic, &c.Purpose, &c.Announcement, &c.DMKey,
		&c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &c.ArchivedAt, &c.LastSeq, &c.LastMessageAt}, extra...)...)
	return c, err
}

var errNotFound = errors.New("not found")

func channelBy(ctx context.Context, q db.Querier, column, value string) (channelRow, error) {
	c, err := scanChannel(q.QueryRowContext(ctx, `SELECT `+channelCols+` FROM channels WHERE `+column+` = ?`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return channelRow{}, errNotFound
	}
	if err != nil {
		return channelRow{}, fmt.Errorf("load channel: %w", err)
	}
	return c, nil
}

// nameSeenBy reports whether a channel other than exceptID that userID can
// see (any public one, or one they are a member of) is called name.
func nameSeenBy(ctx context.Context, q db.Querier, userID, name, exceptID string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM channels c WHERE c.name = ? AND c.id <> ? AND (c.kind = 'public'
		OR EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.user_id = ?)) LIMIT 1`,
		name, exceptID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check channel name: %w", err)
	}
	return true, nil
}

// channelByNameFor finds the channel called name that userID can see,
// preferring one they are a member of (private channels may share a name
// with channels they do not know of).
func channelByNameFor(ctx context.Context, q db.Querier, userID, name string) (string, bool, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT c.id FROM channels c LEFT JOIN channel_members m ON m.channel_id = c.id AND m.user_id = ?
		WHERE c.name = ? AND (c.kind = 'public' OR m.user_id IS NOT NULL)
		ORDER BY CASE WHEN m.user_id IS NULL THEN 1 ELSE 0 END, c.created_at LIMIT 1`, userID, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("find channel by name: %w", err)
	}
	return id, true, nil
}

func insertChannel(ctx context.Context, q db.Querier, c channelRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO channels (`+channelCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Kind, c.Name, c.DisplayName, c.Topic, c.Purpose, c.Announcement, c.DMKey, c.CreatedBy, c.CreatedAt,
		c.UpdatedAt, c.ArchivedAt, c.LastSeq, c.LastMessageAt)
	return err
}

func updateChannel(ctx context.Context, q db.Querier, c channelRow) error {
	_, err := q.ExecContext(ctx, `UPDATE channels SET name = ?, display_name = ?, topic = ?, purpose = ?, announcement = ?,
		updated_at = ?, archived_at = ? WHERE id = ?`, c.Name, c.DisplayName, c.Topic, c.Purpose, c.Announcement, c.UpdatedAt, c.ArchivedAt, c.ID)
	if err != nil {
		return fmt.Errorf("update channel: %w", err)
	}
	return nil
}

// nextSeq advances the channel's message counter inside tx; the row lock
// orders concurrent posts to one channel.
func nextSeq(ctx context.Context, tx *db.Tx, channelID string, at int64) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `UPDATE channels SET last_seq = last_seq + 1, last_message_at = ? WHERE id = ? RETURNING last_seq`,
		at, channelID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("next message number: %w", err)
	}
	return seq, nil
}

type memberRow struct {
	ChannelID, UserID, Role string
	JoinedAt, LastReadSeq   int64
	Notify                  string
}

const memberCols = `channel_id, user_id, role, joined_at, last_read_seq, notify`

func scanMember(s db.Scanner) (memberRow, error) {
	var r memberRow
	err := s.Scan(&r.ChannelID, &r.UserID, &r.Role, &r.JoinedAt, &r.LastReadSeq, &r.Notify)
	return r, err
}

func member(ctx context.Context, q db.Querier, channelID, userID string) (memberRow, bool, error) {
	r, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberCols+` FROM channel_members WHERE channel_id = ? AND user_id = ?`, channelID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return memberRow{}, false, nil
	}
	if err != nil {
		return memberRow{}, false, fmt.Errorf("load membership: %w", err)
	}
	return r, true, nil
}

// channelAndMember loads a channel and userID's membership of it in one
// statement (every chat request starts with both); ok is false when
// userID is not a member. errNotFound when there is no such channel.
func channelAndMember(ctx context.Context, q db.Querier, channelID, userID string) (channelRow, memberRow, bool, error) {
	var role, notify sql.NullString
	var joined, lastRead sql.NullInt64
	c, err := scanChannel(q.QueryRowContext(ctx, `SELECT `+channelColsC+`, m.role, m.joined_at, m.last_read_seq, m.notify
		FROM channels c LEFT JOIN channel_members m ON m.channel_id = c.id AND m.user_id = ? WHERE c.id = ?`, userID, channelID),
		&role, &joined, &lastRead, &notify)
	if errors.Is(err, sql.ErrNoRows) {
		return channelRow{}, memberRow{}, false, errNotFound
	}
	if err != nil {
		return channelRow{}, memberRow{}, false, fmt.Errorf("load channel %s: %w", channelID, err)
	}
	if !role.Valid {
		return c, memberRow{}, false, nil
	}
	return c, memberRow{ChannelID: c.ID, UserID: userID, Role: role.String, JoinedAt: joined.Int64,
		LastReadSeq: lastRead.Int64, Notify: notify.String}, true, nil
}

func insertMember(ctx context.Context, q db.Querier, r memberRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO channel_members (`+memberCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ChannelID, r.UserID, r.Role, r.JoinedAt, r.LastReadSeq, r.Notify)
	return err
}

func deleteMember(ctx context.Context, q db.Querier, channelID, userID string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM channel_members WHERE channel_id = ? AND user_id = ?`, channelID, userID)
	return err
}

func setMemberRole(ctx context.Context, q db.Querier, channelID, userID, role string) error {
	_, err := q.ExecContext(ctx, `UPDATE channel_members SET role = ? WHERE channel_id = ? AND user_id = ?`, role, channelID, userID)
	return err
}

func setMemberNotify(ctx context.Context, q db.Querier, channelID, userID, notify string) error {
	_, err := q.ExecContext(ctx, `UPDATE channel_members SET notify = ? WHERE channel_id = ? AND user_id = ?`, notify, channelID, userID)
	return err
}

func setLastRead(ctx context.Context, q db.Querier, channelID, userID string, seq int64) error {
	_, err := q.ExecContext(ctx, `UPDATE channel_members SET last_read_seq = ? WHERE channel_id = ? AND user_id = ?`, seq, channelID, userID)
	return err
}

func members(ctx context.Context, q db.Querier, channelID string) ([]memberRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+memberCols+` FROM channel_members WHERE channel_id = ? ORDER BY joined_at, user_id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return db.Collect(rows, scanMember)
}

func memberCounts(ctx context.Context, q db.Querier, channelIDs []string) (map[string]int, error) {
	out := map[string]int{}
	if len(channelIDs) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT channel_id, COUNT(*) FROM channel_members WHERE channel_id IN (`+db.In(len(channelIDs))+`)
		GROUP BY channel_id`, anys(channelIDs)...)
	if err != nil {
		return nil, fmt.Errorf("count members: %w", err)
	}
	return countsByChannel(rows)
}

// countsByChannel reads (channel id, count) rows; it closes rows.
func countsByChannel(rows *sql.Rows) (map[string]int, error) {
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// myChannels returns the channels userID belongs to with their membership.
func myChannels(ctx context.Context, q db.Querier, userID string) ([]channelRow, []memberRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+db.Prefixed("c.", channelCols)+`, `+db.Prefixed("m.", memberCols)+`
		FROM channel_members m JOIN channels c ON c.id = m.channel_id WHERE m.user_id = ? ORDER BY c.last_message_at DESC, c.id`, userID)
	if err != nil {
		return nil, nil, fmt.Errorf("list my channels: %w", err)
	}
	defer rows.Close()
	var cs []channelRow
	var ms []memberRow
	for rows.Next() {
		var m memberRow
		c, err := scanChannel(rows, &m.ChannelID, &m.UserID, &m.Role, &m.JoinedAt, &m.LastReadSeq, &m.Notify)
		if err != nil {
			return nil, nil, err
		}
		cs = append(cs, c)
		ms = append(ms, m)
	}
	return cs, ms, rows.Err()
}

// channelIDsOf returns the ids of every channel userID belongs to.
func channelIDsOf(ctx context.Context, q db.Querier, userID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT channel_id FROM channel_members WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// unreadCounts counts, per channel of userID (or only channelID when it
// is not empty), the top-level messages by others after the read
// position, and the mentions after it.
func unreadCounts(ctx context.Context, q db.Querier, userID, channelID string, now int64) (map[string][2]int, error) {
	only := ""
	if channelID != "" {
		only = " AND cm.channel_id = ?"
	}
	args := func(a ...any) []any {
		if channelID != "" {
			a = append(a, channelID)
		}
		return a
	}
	rows, err := q.QueryContext(ctx, `SELECT m.channel_id, COUNT(*) FROM channel_members cm
		JOIN messages m ON m.channel_id = cm.channel_id AND m.seq > cm.last_read_seq
		WHERE cm.user_id = ? AND m.user_id <> ? AND m.root_id = '' AND m.deleted_at = 0 AND (m.expires_at = 0 OR m.expires_at > ?)`+only+`
		GROUP BY m.channel_id`, args(userID, userID, now)...)
	if err != nil {
		return nil, fmt.Errorf("count unread: %w", err)
	}
	unread, err := countsByChannel(rows)
	if err != nil {
		return nil, fmt.Errorf("count unread: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT x.channel_id, COUNT(*) FROM mentions x
		JOIN channel_members cm ON cm.channel_id = x.channel_id AND cm.user_id = x.user_id
		JOIN messages m ON m.id = x.message_id
		WHERE x.user_id = ? AND x.seq > cm.last_read_seq AND m.deleted_at = 0 AND (m.expires_at = 0 OR m.expires_at > ?)`+only+`
		GROUP BY x.channel_id`, args(userID, now)...)
	if err != nil {
		return nil, fmt.Errorf("count mentions: %w", err)
	}
	mentions, err := countsByChannel(rows)
	if err != nil {
		return nil, fmt.Errorf("count mentions: %w", err)
	}
	out := map[string][2]int{}
	for id, n := range unread {
		out[id] = [2]int{n, mentions[id]}
	}
	for id, n := range mentions {
		out[id] = [2]int{unread[id], n}
	}
	return out, nil
}

func browsePublic(ctx context.Context, q db.Querier, text, after string, archived bool, limit int) ([]channelRow, error) {
	where, args := []string{"kind = 'public'"}, []any{}
	if !archived {
		where = append(where, "archived_at = 0")
	}
	for _, w := range strings.Fields(strings.ToLower(text)) {
		where = append(where, "(LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(display_name) LIKE ? ESCAPE '\\' OR LOWER(purpose) LIKE ? ESCAPE '\\')")
		p := "%" + db.EscapeLike(w) + "%"
		args = append(args, p, p, p)
	}
	if after != "" {
		where = append(where, "name > ?")
		args = append(args, after)
	}
	args = append(args, limit)
	rows, err := q.QueryContext(ctx, `SELECT `+channelCols+` FROM channels WHERE `+strings.Join(where, " AND ")+` ORDER BY name LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("browse channels: %w", err)
	}
	return db.Collect(rows, scanChannelRow)
}

// ---- messages ----

type messageRow struct {
	ID, ChannelID           string
	Seq                     int64
	UserID, Text, RootID    string
	ReplyCount, LastReplyAt int64
	Version                 int
	EditedAt, DeletedAt     int64
	ExpiresAt, ExpiredAt    int64
	PinnedAt                int64
	PinnedBy, Attachments   string
	Mentions                string
	MentionAll              bool
	CreatedAt               int64
}

const messageCols = `id, channel_id, seq, user_id, text, root_id, reply_count, last_reply_at, version, edited_at, deleted_at,
	expires_at, expired_at, pinned_at, pinned_by, attachments, mentions, mention_all, created_at`

func scanMessage(s db.Scanner) (messageRow, error) {
	var r messageRow
	err := s.Scan(&r.ID, &r.ChannelID, &r.Seq, &r.UserID, &r.Text, &r.RootID, &r.ReplyCount, &r.LastReplyAt, &r.Version,
		&r.EditedAt, &r.DeletedAt, &r.ExpiresAt, &r.ExpiredAt, &r.PinnedAt, &r.PinnedBy, &r.Attachments, &r.Mentions,
		&r.MentionAll, &r.CreatedAt)
	return r, err
}

func insertMessage(ctx context.Context, q db.Querier, r messageRow) error {
	_, err := q.ExecContext(ctx, `INSERT INTO messages (`+messageCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ChannelID, r.Seq, r.UserID, r.Text, r.RootID, r.ReplyCount, r.LastReplyAt, r.Version, r.EditedAt, r.DeletedAt,
		r.ExpiresAt, r.ExpiredAt, r.PinnedAt, r.PinnedBy, r.Attachments, r.Mentions, r.MentionAll, r.CreatedAt)
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	return nil
}

// messageByClientID finds the message a person posted in a channel under
// the client's own id for it.
func messageByClientID(ctx context.Context, q db.Querier, channelID, userID, clientID string) (messageRow, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT message_id FROM message_client_ids WHERE channel_id = ? AND user_id = ? AND client_id = ?`,
		channelID, userID, clientID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return messageRow{}, errNotFound
	}
	if err != nil {
		return messageRow{}, fmt.Errorf("load message by client id: %w", err)
	}
	return messageByID(ctx, q, id)
}

func insertClientID(ctx context.Context, q db.Querier, channelID, userID, clientID, messageID string, at int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO message_client_ids (channel_id, user_id, client_id, message_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		channelID, userID, clientID, messageID, at)
	if err != nil {
		return fmt.Errorf("insert client id: %w", err)
	}
	return nil
}

func messageByID(ctx context.Context, q db.Querier, id string) (messageRow, error) {
	r, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return messageRow{}, errNotFound
	}
	if err != nil {
		return messageRow{}, fmt.Errorf("load message: %w", err)
	}
	return r, nil
}

func queryMessages(ctx context.Context, q db.Querier, query string, args ...any) ([]messageRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE `+query, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return db.Collect(rows, scanMessage)
}

// visible is the condition for messages people may still see: not
// deleted (unless a thread root with replies) and not expired.
const visible = `(deleted_at = 0 OR reply_count > 0 OR moderated_at > 0) AND (expires_at = 0 OR expires_at > ?)`

// updateMessage writes r over the message as it was read (was). It
// changes nothing and says so when someone else changed the message in
// between: under PostgreSQL's read committed, writing every column back
// unguarded let an edit that raced a deletion or a take-down bring the
// message back, and a pin that raced an edit put the old text back.
func updateMessage(ctx context.Context, q db.Querier, was, r messageRow) error {
	res, err := q.ExecContext(ctx, `UPDATE messages SET text = ?, version = ?, edited_at = ?, deleted_at = ?, expired_at = ?,
		pinned_at = ?, pinned_by = ?, mentions = ?, mention_all = ?, attachments = ?
		WHERE id = ? AND version = ? AND deleted_at = ? AND expired_at = ? AND pinned_at = ?`,
		r.Text, r.Version, r.EditedAt, r.DeletedAt, r.ExpiredAt, r.PinnedAt, r.PinnedBy, r.Mentions, r.MentionAll, r.Attachments,
		r.ID, was.Version, was.DeletedAt, was.ExpiredAt, was.PinnedAt)
	if err != nil {
		return fmt.Errorf("update message: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update message: %w", err)
	}
	if n == 0 {
		return apperr.Conflict("the message was changed or removed meanwhile; load it again").WithCode(apperr.CodeMessageChanged)
	}
	return nil
}

func bumpThread(ctx context.Context, q db.Querier, rootID string, delta int, at int64) (count int, err error) {
	err = q.QueryRowContext(ctx, `UPDATE messages SET reply_count = reply_count + ?, last_reply_at = CASE WHEN ? > 0 THEN ? ELSE last_reply_at END
		WHERE id = ? RETURNING reply_count`, delta, delta, at, rootID).Scan(&count)
	if err != nil {
		return 0, fmt.Errorf("update thread: %w", err)
	}
	return count, nil
}

func insertVersion(ctx context.Context, q db.Querier, messageID string, version int, text string, at int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO message_versions (message_id, version, text, created_at) VALUES (?, ?, ?, ?)`, messageID, version, text, at)
	return err
}

func versions(ctx context.Context, q db.Querier, messageID string) ([]Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, text, created_at FROM message_versions WHERE message_id = ? ORDER BY version`, messageID)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		var v Version
		var at int64
		if err := rows.Scan(&v.Version, &v.Text, &at); err != nil {
			return nil, err
		}
		v.CreatedAt = *timePtr(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

func insertMentions(ctx context.Context, q db.Querier, channelID, messageID string, seq int64, userIDs []string) error {
	for _, u := range userIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO mentions (channel_id, user_id, seq, message_id) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, channelID, u, seq, messageID); err != nil {
			return fmt.Errorf("record mention: %w", err)
		}
	}
	return nil
}

func deleteMentions(ctx context.Context, q db.Querier, messageID string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM mentions WHERE message_id = ?`, messageID)
	return err
}

// setReaction adds the reaction or removes it: as want says, or the
// opposite of what is there when want is nil. It reports whether anything
// changed, and whether the reaction is there now.
func setReaction(ctx context.Context, q db.Querier, messageID, userID, emoji string, want *bool, at int64) (changed, there bool, err error) {
	affected := func(res sql.Result, err error) (bool, error) {
		if err != nil {
			return false, fmt.Errorf("set reaction: %w", err)
		}
		n, err := res.RowsAffected()
		return n > 0, err
	}
	remove := func() (bool, error) {
		return affected(q.ExecContext(ctx, `DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?`, messageID, userID, emoji))
	}
	add := func() (bool, error) {
		return affected(q.ExecContext(ctx, `INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (message_id, user_id, emoji) DO NOTHING`, messageID, userID, emoji, at))
	}
	switch {
	case want == nil: // toggle: take it back if it was there, else add it
		if removed, err := remove(); err != nil || removed {
			return removed, false, err
		}
		added, err := add()
		return added, added, err
	case *want:
		added, err := add()
		return added, true, err
	default:
		removed, err := remove()
		return removed, false, err
	}
}

func countReactionKinds(ctx context.Context, q db.Querier, messageID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message_id = ?`, messageID).Scan(&n)
	return n, err
}

// reactionsFor returns the reactions of the given messages, in the order
// each emoji was first used.
func reactionsFor(ctx context.Context, q db.Querier, messageIDs []string) (map[string][]Reaction, error) {
	out := map[string][]Reaction{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT message_id, emoji, user_id FROM reactions WHERE message_id IN (`+db.In(len(messageIDs))+`)
		ORDER BY created_at, emoji, user_id`, anys(messageIDs)...)
	if err != nil {
		return nil, fmt.Errorf("load reactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid, emoji, uid string
		if err := rows.Scan(&mid, &emoji, &uid); err != nil {
			return nil, err
		}
		rs := out[mid]
		found := false
		for i := range rs {
			if rs[i].Emoji == emoji {
				rs[i].Count++
				rs[i].UserIDs = append(rs[i].UserIDs, uid)
				found = true
				break
			}
		}
		if !found {
			rs = append(rs, Reaction{Emoji: emoji, Count: 1, UserIDs: []string{uid}})
		}
		out[mid] = rs
	}
	return out, rows.Err()
}

func follow(ctx context.Context, q db.Querier, rootID, userID string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO thread_followers (root_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, rootID, userID)
	return err
}

func unfollow(ctx context.Context, q db.Querier, rootID, userID string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM thread_followers WHERE root_id = ? AND user_id = ?`, rootID, userID)
	return err
}

func followers(ctx context.Context, q db.Querier, rootID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM thread_followers WHERE root_id = ? ORDER BY user_id`, rootID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ---- settings ----

// chatSettings returns every chat.* setting that was ever set.
func chatSettings(ctx context.Context, q db.Querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, value FROM settings WHERE name LIKE 'chat.%'`)
	if err != nil {
		return nil, fmt.Errorf("read chat settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			return nil, err
		}
		out[n] = v
	}
	return out, rows.Err()
}

func putSetting(ctx context.Context, q db.Querier, name, value, by string, at int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		name, value, at, by)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", name, err)
	}
	return nil
}

func userReadReceipts(ctx context.Context, q db.Querier, userIDs []string) (map[string]string, error) {
	out := map[string]string{}
	// In chunks: a big channel has more members than a query takes parameters.
	for start := 0; start < len(userIDs); start += 1000 {
		chunk := userIDs[start:min(start+1000, len(userIDs))]
		rows, err := q.QueryContext(ctx, `SELECT user_id, read_receipts FROM chat_user_settings WHERE user_id IN (`+db.In(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("read receipt settings: %w", err)
		}
		for rows.Next() {
			var u, v string
			if err := rows.Scan(&u, &v); err != nil {
				rows.Close()
				return nil, err
			}
			out[u] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func putUserReadReceipts(ctx context.Context, q db.Querier, userID, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO chat_user_settings (user_id, read_receipts) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET read_receipts = excluded.read_receipts`, userID, value)
	return err
}
