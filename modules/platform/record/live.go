package record

import "context"

// LiveMessage is a message as the live tables hold it (what people see),
// for comparing with what the journal committed to.
type LiveMessage struct {
	ID        string
	ChannelID string
	UserID    string
	RootID    string
	Text      string // the current version's text
	Version   int    // the current version's number (1 for a message never edited)
	Deleted   bool
	Expired   bool
	// Versions holds the texts of the earlier versions that are stored
	// (message_versions), by version number.
	Versions map[int]string
}

// LiveMessages lists live messages in id order, after afterID, up to
// limit; an empty answer ends the list. Chat implements it.
type LiveMessages interface {
	LiveMessages(ctx context.Context, afterID string, limit int) ([]LiveMessage, error)
}

// LiveChannel is a channel and its members as the live tables hold them.
type LiveChannel struct {
	ID           string
	Kind         string
	Name         string
	DisplayName  string
	Topic        string
	Purpose      string
	Announcement bool
	Archived     bool
	Members      map[string]string // user id -> role
}

// LiveChannels lists live channels in id order, after afterID, up to
// limit; an empty answer ends the list. Chat implements it.
type LiveChannels interface {
	LiveChannels(ctx context.Context, afterID string, limit int) ([]LiveChannel, error)
}
