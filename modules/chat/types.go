package chat

import (
	"encoding/json"
	"time"
)

// Channel kinds.
const (
	KindPublic  = "public"
	KindPrivate = "private"
	KindDM      = "dm"
	KindGroup   = "group"
)

// Member roles in a channel.
const (
	RoleMember = "member"
	RoleAdmin  = "admin"
)

// Channel is a conversation as a member sees it.
type Channel struct {
	ID            string     `json:"id"`
	Kind          string     `json:"kind" enum:"public,private,dm,group"`
	Name          string     `json:"name,omitempty" doc:"Unique URL-safe name; empty for DMs." example:"general"`
	DisplayName   string     `json:"display_name,omitempty" example:"General"`
	Topic         string     `json:"topic,omitempty"`
	Purpose       string     `json:"purpose,omitempty"`
	Announcement  bool       `json:"announcement" doc:"Only channel admins post; everyone reads."`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	ArchivedAt    *time.Time `json:"archived_at,omitempty" doc:"Archived channels are readable but not writable."`
	LastSeq       int64      `json:"last_seq" doc:"Sequence number of the newest message."`
	LastMessageAt *time.Time `json:"last_message_at,omitempty"`
	MemberCount   int        `json:"member_count"`
	// For DMs and group DMs: everyone in it.
	MemberIDs []string `json:"member_ids,omitempty"`
	// The caller's own state, when they are a member.
	Membership *Membership `json:"membership,omitempty"`
}

// Membership is the caller's state in a channel (the sidebar).
type Membership struct {
	Role         string `json:"role" enum:"member,admin"`
	LastReadSeq  int64  `json:"last_read_seq"`
	UnreadCount  int    `json:"unread_count" doc:"Messages by others after the read position."`
	MentionCount int    `json:"mention_count" doc:"Mentions of the caller after the read position."`
	Notify       string `json:"notify" enum:"all,mentions,none"`
}

// Member is a person in a channel.
type Member struct {
	UserID      string    `json:"user_id"`
	Role        string    `json:"role" enum:"member,admin"`
	JoinedAt    time.Time `json:"joined_at"`
	LastReadSeq *int64    `json:"last_read_seq,omitempty" doc:"Shown only when both the member and the caller share read receipts."`
}

// Attachment is a file shared with a message (metadata from the files module).
type Attachment struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ContentType  string `json:"content_type"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
	DurationMS   int64  `json:"duration_ms,omitempty"`
	Voice        bool   `json:"voice,omitempty"`
	URL          string `json:"url,omitempty"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
	PreviewURL   string `json:"preview_url,omitempty"`
}

// ReactionChanged is the payload of reaction.changed: a message's
// reactions after the change.
type ReactionChanged struct {
	MessageID string     `json:"message_id"`
	ChannelID string     `json:"channel_id"`
	Reactions []Reaction `json:"reactions"`
}

// Reaction is one emoji on a message and who chose it.
type Reaction struct {
	Emoji   string   `json:"emoji"`
	Count   int      `json:"count"`
	UserIDs []string `json:"user_ids"`
}

// Message is a message as members see it.
type Message struct {
	ID          string       `json:"id"`
	ChannelID   string       `json:"channel_id"`
	Seq         int64        `json:"seq" doc:"Position in the channel; messages are ordered by it."`
	UserID      string       `json:"user_id"`
	Text        string       `json:"text" doc:"Markdown."`
	RootID      string       `json:"root_id,omitempty" doc:"The thread this is a reply in."`
	ReplyCount  int          `json:"reply_count"`
	LastReplyAt *time.Time   `json:"last_reply_at,omitempty"`
	Version     int          `json:"version" doc:"1 for the original; each edit adds one."`
	EditedAt    *time.Time   `json:"edited_at,omitempty"`
	Deleted     bool         `json:"deleted,omitempty" doc:"A deleted thread root kept as a placeholder for its replies."`
	Moderated   bool         `json:"moderated,omitempty" doc:"Taken down by moderation: shown as a placeholder (\"removed by moderation\"), with no text or files."`
	ExpiresAt   *time.Time   `json:"expires_at,omitempty" doc:"Self-destructing: gone for everyone after this time."`
	PinnedAt    *time.Time   `json:"pinned_at,omitempty"`
	PinnedBy    string       `json:"pinned_by,omitempty"`
	Attachments []Attachment `json:"attachments"`
	Mentions    []string     `json:"mentions,omitempty" doc:"Ids of the people mentioned."`
	MentionAll  bool         `json:"mention_all,omitempty" doc:"@channel or @all."`
	Reactions   []Reaction   `json:"reactions"`
	// Read receipts, only when the caller shares them: in a DM whether the
	// other person has read it; in a channel how many members have.
	Read      *bool     `json:"read,omitempty"`
	ReadCount *int      `json:"read_count,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Version is an earlier text of an edited message.
type Version struct {
	Version   int       `json:"version"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func timePtr(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}

func decodeAttachments(s string) []Attachment {
	out := []Attachment{}
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

// EventSubject names the message, so purging it removes its events (the
// text of message.created and message.updated) from the event log.
func (m Message) EventSubject() string { return m.ID }

// EventSubject names the message the reactions are on.
func (r ReactionChanged) EventSubject() string { return r.MessageID }
