package journal

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/record"
)

// Mismatch is one place where the live tables and the journal disagree:
// about a message (MessageID), a channel (ChannelID), or a member (UserID
// in ChannelID).
type Mismatch struct {
	MessageID string `json:"message_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	// Version is the message version concerned; 0: the message as a whole.
	Version int `json:"version,omitempty"`
	// Seq is the journal entry that says otherwise; 0: none does.
	Seq     int64  `json:"seq,omitempty"`
	Problem string `json:"problem"`
}

func (m Mismatch) String() string {
	var s string
	switch {
	case m.MessageID != "":
		s = "message " + m.MessageID
	case m.UserID != "":
		s = "member " + m.UserID + " of channel " + m.ChannelID
	default:
		s = "channel " + m.ChannelID
	}
	if m.Version > 0 {
		s += " version " + strconv.Itoa(m.Version)
	}
	if m.Seq > 0 {
		s += fmt.Sprintf(" (journal entry %d)", m.Seq)
	}
	return s + ": " + m.Problem
}

// RecordsReport is the outcome of CheckRecords.
type RecordsReport struct {
	Messages int `json:"messages"` // live messages compared
	Channels int `json:"channels"` // live channels compared (with their members)
	Versions int `json:"versions"` // message versions compared
	// Purged counts versions whose content the journal no longer holds
	// (retention, expired self-destructing messages): only their presence
	// is compared.
	Purged     int        `json:"purged"`
	Mismatches []Mismatch `json:"mismatches,omitempty"`
}

// OK reports whether the live tables agree with the journal.
func (r RecordsReport) OK() bool { return len(r.Mismatches) == 0 }

// recordedVersion is what the journal committed to for one version.
type recordedVersion struct {
	seq    int64
	text   [32]byte // SHA-256 of the text: a journal's worth of messages stays small in memory
	purged bool
}

type recordedMessage struct {
	seq       int64 // message.created
	channelID string
	userID    string
	rootID    string
	versions  map[int]recordedVersion
	latest    int
	deleted   int64 // seq of message.deleted, or 0
	expired   int64 // seq of message.expired, or 0
	purged    int64 // seq of the tombstone that purged it (retention), or 0
	seen      bool
}

// CheckRecords compares the live messages and their earlier versions with
// what the journal committed to (message.created, message.edited,
// message.deleted, message.expired) and names every disagreement: a text
// changed in the table, a row or version row missing, a row the journal
// never recorded, a deletion or author that differs. Run Verify first:
// this trusts the journal's entries and checks the tables against them.
func (j *Journal) CheckRecords(ctx context.Context, live record.LiveMessages) (RecordsReport, error) {
	var rep RecordsReport
	msgs := map[string]*recordedMessage{}
	chans := map[string]*recordedChannel{}
	for after := int64(0); ; {
		es, err := entries(ctx, j.db, Filter{After: after, Limit: verifyBatch})
		if err != nil {
			return rep, fmt.Errorf("check records: %w", err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			after = e.Seq
			if strings.HasPrefix(e.Kind, "channel.") || strings.HasPrefix(e.Kind, "member.") {
				if err := replayChannel(chans, e); err != nil {
					return rep, fmt.Errorf("check records: entry %d: %w", e.Seq, err)
				}
				continue
			}
			if record.IsTombstone(e.Kind) {
				// A batch purge removed these messages' rows with their content.
				for _, id := range strings.Fields(e.Meta[record.MetaPurgedMessages]) {
					if m := msgs[id]; m != nil {
						m.purged = e.Seq
					}
				}
				continue
			}
			switch e.Kind {
			case "message.created":
				var c struct {
					Text   string `json:"text"`
					RootID string `json:"root_id"`
				}
				v := recordedVersion{seq: e.Seq, purged: e.Content == nil}
				if !v.purged {
					if err := json.Unmarshal(e.Content, &c); err != nil {
						return rep, fmt.Errorf("check records: entry %d: %w", e.Seq, err)
					}
					v.text = sha256.Sum256([]byte(c.Text))
				}
				msgs[e.SubjectID] = &recordedMessage{seq: e.Seq, channelID: e.ChannelID, userID: e.ActorID, rootID: c.RootID,
					versions: map[int]recordedVersion{1: v}, latest: 1}
			case "message.edited":
				m := msgs[e.SubjectID]
				n, err := strconv.Atoi(e.Meta["version"])
				if m == nil || err != nil {
					rep.Mismatches = append(rep.Mismatches, Mismatch{MessageID: e.SubjectID, Seq: e.Seq,
						Problem: "the journal records an edit of a message it never recorded as created"})
					continue
				}
				v := recordedVersion{seq: e.Seq, purged: e.Content == nil}
				if !v.purged {
					var c struct {
						Text string `json:"text"`
					}
					if err := json.Unmarshal(e.Content, &c); err != nil {
						return rep, fmt.Errorf("check records: entry %d: %w", e.Seq, err)
					}
					v.text = sha256.Sum256([]byte(c.Text))
				}
				m.versions[n] = v
				m.latest = max(m.latest, n)
			case "message.deleted", "message.expired", "message.moderated":
				m := msgs[e.SubjectID]
				if m == nil {
					rep.Mismatches = append(rep.Mismatches, Mismatch{MessageID: e.SubjectID, Seq: e.Seq,
						Problem: "the journal records the end of a message it never recorded as created"})
					continue
				}
				if e.Kind != "message.expired" {
					// Moderation takes a message down as a deletion does.
					m.deleted = e.Seq
				} else {
					m.expired = e.Seq
				}
			}
		}
	}

	for after := ""; ; {
		ls, err := live.LiveMessages(ctx, after, verifyBatch)
		if err != nil {
			return rep, fmt.Errorf("check records: %w", err)
		}
		if len(ls) == 0 {
			break
		}
		for _, l := range ls {
			after = l.ID
			rep.Messages++
			m := msgs[l.ID]
			if m == nil {
				rep.Mismatches = append(rep.Mismatches, Mismatch{MessageID: l.ID,
					Problem: fmt.Sprintf("row without journal entry: the message in channel %s is in the table but was never recorded", l.ChannelID)})
				continue
			}
			m.seen = true
			if m.purged != 0 {
				rep.Mismatches = append(rep.Mismatches, Mismatch{MessageID: l.ID, Seq: m.purged,
					Problem: "purged on record (retention) but the row is still in the table"})
				continue
			}
			rep.Mismatches = append(rep.Mismatches, compareMessage(l, m, &rep)...)
		}
	}
	for id, m := range msgs {
		if !m.seen && m.purged == 0 {
			rep.Mismatches = append(rep.Mismatches, Mismatch{MessageID: id, Seq: m.seq,
				Problem: fmt.Sprintf("row missing: the journal recorded the message in channel %s but the table no longer has it", m.channelID)})
		}
	}
	if lc, ok := live.(record.LiveChannels); ok {
		if err := checkChannels(ctx, lc, chans, &rep); err != nil {
			return rep, err
		}
	}
	sort.SliceStable(rep.Mismatches, func(a, b int) bool {
		x, y := rep.Mismatches[a], rep.Mismatches[b]
		if x.MessageID != y.MessageID {
			return x.MessageID < y.MessageID
		}
		if x.ChannelID != y.ChannelID {
			return x.ChannelID < y.ChannelID
		}
		if x.UserID != y.UserID {
			return x.UserID < y.UserID
		}
		return x.Version < y.Version
	})
	return rep, nil
}

// recordedChannel is a channel as the journal last recorded it.
type recordedChannel struct {
	seq     int64 // the last entry with the channel's settings
	content *channelContent
	members map[string]recordedMember
	purged  bool
	dm      bool // a direct conversation records only its kind and members
	seen    bool
}

type recordedMember struct {
	seq  int64
	role string
}

// channelContent is what chat records of a channel's settings.
type channelContent struct {
	Name         string `json:"name"`
	DisplayName  string `json:"display_name"`
	Topic        string `json:"topic"`
	Purpose      string `json:"purpose"`
	Kind         string `json:"kind"`
	Announcement bool   `json:"announcement"`
	Archived     bool   `json:"archived"`
}

// replayChannel applies a channel.* or member.* entry.
func replayChannel(chans map[string]*recordedChannel, e Entry) error {
	c := chans[e.ChannelID]
	if c == nil {
		c = &recordedChannel{members: map[string]recordedMember{}}
		chans[e.ChannelID] = c
	}
	switch e.Kind {
	case "channel.created", "channel.changed", "channel.archived", "channel.unarchived":
		c.seq = e.Seq
		if e.Content == nil {
			c.purged, c.content = true, nil
			return nil
		}
		var cc channelContent
		if err := json.Unmarshal(e.Content, &cc); err != nil {
			return err
		}
		_, hasName := jsonHas(e.Content, "name")
		c.purged, c.content, c.dm = false, &cc, !hasName
	case "member.joined", "member.added", "member.role_changed":
		var r struct {
			Role string `json:"role"`
		}
		if e.Content != nil {
			if err := json.Unmarshal(e.Content, &r); err != nil {
				return err
			}
		}
		c.members[e.SubjectID] = recordedMember{seq: e.Seq, role: r.Role}
	case "member.left", "member.removed":
		delete(c.members, e.SubjectID)
	}
	return nil
}

func jsonHas(b []byte, key string) (json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return nil, false
	}
	v, ok := m[key]
	return v, ok
}

// checkChannels compares the live channels and members with the record.
func checkChannels(ctx context.Context, live record.LiveChannels, chans map[string]*recordedChannel, rep *RecordsReport) error {
	add := func(m Mismatch) { rep.Mismatches = append(rep.Mismatches, m) }
	for after := ""; ; {
		ls, err := live.LiveChannels(ctx, after, verifyBatch)
		if err != nil {
			return fmt.Errorf("check records: %w", err)
		}
		if len(ls) == 0 {
			return checkUnseenChannels(chans, rep)
		}
		for _, l := range ls {
			after = l.ID
			rep.Channels++
			c := chans[l.ID]
			if c == nil || c.seq == 0 {
				add(Mismatch{ChannelID: l.ID, Problem: "row without journal entry: the channel is in the table but was never recorded as created"})
				continue
			}
			c.seen = true
			if cc := c.content; cc != nil {
				want := *cc
				got := channelContent{Name: l.Name, DisplayName: l.DisplayName, Topic: l.Topic, Purpose: l.Purpose,
					Kind: l.Kind, Announcement: l.Announcement, Archived: l.Archived}
				if c.dm {
					want = channelContent{Kind: cc.Kind, Archived: l.Archived}
					got = channelContent{Kind: l.Kind, Archived: l.Archived}
				}
				if got != want {
					add(Mismatch{ChannelID: l.ID, Seq: c.seq, Problem: "settings changed: " + channelDiff(got, want)})
				}
			}
			for user, role := range l.Members {
				m, ok := c.members[user]
				switch {
				case !ok:
					add(Mismatch{ChannelID: l.ID, UserID: user, Problem: "member row without journal entry: no member.joined or member.added records it"})
				case m.role != "" && m.role != role:
					add(Mismatch{ChannelID: l.ID, UserID: user, Seq: m.seq, Problem: fmt.Sprintf("role changed: the table says %s, the journal %s", role, m.role)})
				}
			}
			for user, m := range c.members {
				if _, ok := l.Members[user]; !ok {
					add(Mismatch{ChannelID: l.ID, UserID: user, Seq: m.seq, Problem: "member row missing: the journal has them in the channel, the table does not"})
				}
			}
		}
	}
}

func checkUnseenChannels(chans map[string]*recordedChannel, rep *RecordsReport) error {
	for id, c := range chans {
		if !c.seen && c.seq != 0 {
			rep.Mismatches = append(rep.Mismatches, Mismatch{ChannelID: id, Seq: c.seq,
				Problem: "row missing: the journal recorded the channel but the table no longer has it"})
		}
	}
	return nil
}

// channelDiff names the settings in which got differs from want.
func channelDiff(got, want channelContent) string {
	var d []string
	f := func(name string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s is %v in the table, %v on record", name, g, w))
		}
	}
	f("name", got.Name, want.Name)
	f("display name", got.DisplayName, want.DisplayName)
	f("topic", got.Topic, want.Topic)
	f("purpose", got.Purpose, want.Purpose)
	f("kind", got.Kind, want.Kind)
	f("announcement", got.Announcement, want.Announcement)
	f("archived", got.Archived, want.Archived)
	return strings.Join(d, "; ")
}

// compareMessage names where the live message l differs from its record m.
func compareMessage(l record.LiveMessage, m *recordedMessage, rep *RecordsReport) []Mismatch {
	var out []Mismatch
	add := func(version int, seq int64, format string, args ...any) {
		out = append(out, Mismatch{MessageID: l.ID, Version: version, Seq: seq, Problem: fmt.Sprintf(format, args...)})
	}
	if l.ChannelID != m.channelID {
		add(0, m.seq, "channel changed: the table says %s, the journal %s", l.ChannelID, m.channelID)
	}
	if l.UserID != m.userID {
		add(0, m.seq, "author changed: the table says %s, the journal %s", l.UserID, m.userID)
	}
	if l.RootID != m.rootID {
		add(0, m.seq, "thread changed: the table says root %q, the journal %q", l.RootID, m.rootID)
	}
	switch {
	case l.Deleted && m.deleted == 0:
		add(0, 0, "marked deleted in the table without a message.deleted entry")
	case !l.Deleted && m.deleted != 0:
		add(0, m.deleted, "deleted on record but not in the table")
	}
	switch {
	case l.Expired && m.expired == 0:
		add(0, 0, "marked expired in the table without a message.expired entry")
	case !l.Expired && m.expired != 0:
		add(0, m.expired, "expired on record but not in the table")
	}
	if l.Version != m.latest {
		add(0, m.versions[m.latest].seq, "version changed: the table says version %d, the journal's latest is %d", l.Version, m.latest)
	}
	compare := func(n int, text string, where string) {
		rep.Versions++
		v, ok := m.versions[n]
		switch {
		case !ok:
			add(n, 0, "%s without journal entry: no message.created or message.edited records version %d", where, n)
		case v.purged:
			rep.Purged++
		case sha256.Sum256([]byte(text)) != v.text:
			add(n, v.seq, "content changed: the text in %s is not the text the journal recorded", where)
		}
	}
	compare(l.Version, l.Text, "the message row")
	for n := 1; n <= m.latest; n++ {
		if n == l.Version {
			continue
		}
		text, ok := l.Versions[n]
		if !ok {
			if n < l.Version {
				if v, rec := m.versions[n]; rec {
					add(n, v.seq, "version row missing: message_versions has no row for version %d", n)
				}
			}
			continue
		}
		compare(n, text, "message_versions")
	}
	for n, text := range l.Versions {
		if n > m.latest && n != l.Version {
			compare(n, text, "message_versions")
		}
	}
	return out
}
