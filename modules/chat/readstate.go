package chat

import (
	"context"
	"strconv"

	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Settings are chat's server-wide switches.
type Settings struct {
	ReadReceiptsDefault bool `json:"read_receipts_default" doc:"Whether people share read receipts unless they choose otherwise (admins)."`
	SelfDestructEnabled bool `json:"self_destruct_enabled" doc:"Whether messages may carry a lifetime (admins)."`
	ExpiredKeptOnRecord bool `json:"expired_kept_on_record" doc:"Whether the compliance record keeps self-destructed messages (compliance officers)."`
}

// settings reads the switches in one query (every message listing needs
// the read-receipt default); unset ones are on.
func (m *Module) settings(ctx context.Context, q db.Querier) (Settings, error) {
	vals, err := chatSettings(ctx, q)
	if err != nil {
		return Settings{}, err
	}
	on := func(name string) bool { v, ok := vals[name]; return !ok || v == "true" }
	return Settings{ReadReceiptsDefault: on("chat.read_receipts_default"), SelfDestructEnabled: on("chat.self_destruct_enabled"),
		ExpiredKeptOnRecord: on("chat.expired_kept_on_record")}, nil
}

// Settings returns the server-wide chat settings to anyone signed in.
func (m *Module) Settings(ctx context.Context) (Settings, error) {
	if _, err := authn.Require(ctx); err != nil {
		return Settings{}, err
	}
	return m.settings(ctx, m.db)
}

// SettingsPatch changes chat settings; nil fields stay.
type SettingsPatch struct {
	ReadReceiptsDefault *bool `json:"read_receipts_default,omitempty"`
	SelfDestructEnabled *bool `json:"self_destruct_enabled,omitempty"`
	ExpiredKeptOnRecord *bool `json:"expired_kept_on_record,omitempty"`
}

// UpdateSettings changes the switches: admins the first two, compliance
// officers whether the record keeps expired messages. Audited.
func (m *Module) UpdateSettings(ctx context.Context, p SettingsPatch) (Settings, error) {
	caller, err := authn.Require(ctx)
	if err != nil {
		return Settings{}, err
	}
	if (p.ReadReceiptsDefault != nil || p.SelfDestructEnabled != nil) && !caller.Has(authn.RoleAdmin) {
		return Settings{}, apperr.Forbidden("read receipts and self-destructing messages are admin settings").WithCode(apperr.CodeRoleRequired)
	}
	if p.ExpiredKeptOnRecord != nil && !caller.Has(authn.RoleCompliance) {
		return Settings{}, apperr.Forbidden("whether the record keeps self-destructed messages is a compliance decision").WithCode(apperr.CodeRoleRequired)
	}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		now := m.now()
		for _, s := range []struct {
			name string
			v    *bool
		}{{"chat.read_receipts_default", p.ReadReceiptsDefault}, {"chat.self_destruct_enabled", p.SelfDestructEnabled},
			{"chat.expired_kept_on_record", p.ExpiredKeptOnRecord}} {
			if s.v == nil {
				continue
			}
			if err := putSetting(ctx, tx, s.name, strconv.FormatBool(*s.v), caller.Username, millis(now)); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, "setting.change", "setting", s.name, map[string]any{"value": *s.v}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Settings{}, err
	}
	return m.settings(ctx, m.db)
}

// MySettings is a person's chat preferences.
type MySettings struct {
	ReadReceipts string `json:"read_receipts" enum:"default,on,off" doc:"default follows the server's setting."`
	// Effective says whether the person shares (and therefore sees) read receipts now.
	Effective bool `json:"read_receipts_effective"`
}

// MySettings returns the caller's chat preferences.
func (m *Module) MySettings(ctx context.Context) (MySettings, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return MySettings{}, err
	}
	st, err := m.settings(ctx, m.db)
	if err != nil {
		return MySettings{}, err
	}
	us, err := userReadReceipts(ctx, m.db, []string{p.UserID})
	if err != nil {
		return MySettings{}, err
	}
	v := us[p.UserID]
	if v == "" {
		v = "default"
	}
	return MySettings{ReadReceipts: v, Effective: effectiveReceipts(v, st.ReadReceiptsDefault)}, nil
}

// SetMyReadReceipts turns sending (and so seeing) read receipts on or off.
func (m *Module) SetMyReadReceipts(ctx context.Context, value string) (MySettings, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return MySettings{}, err
	}
	if value != "default" && value != "on" && value != "off" {
		return MySettings{}, apperr.Invalid("body.read_receipts", "read_receipts is default, on or off")
	}
	if err := putUserReadReceipts(ctx, m.db, p.UserID, value); err != nil {
		return MySettings{}, err
	}
	return m.MySettings(ctx)
}

func effectiveReceipts(v string, def bool) bool {
	switch v {
	case "on":
		return true
	case "off":
		return false
	}
	return def
}

// receipts holds, for one caller and channel, the read positions of the
// members who share read receipts.
type receipts struct {
	on       bool             // the caller shares receipts, so sees them
	dm       bool             // a 1:1 DM: show "read" on the caller's own messages
	readPos  map[string]int64 // user -> last read seq, only members sharing receipts
	selfUser string
}

func (m *Module) receiptsFor(ctx context.Context, a access) (receipts, error) {
	st, err := m.settings(ctx, m.db)
	if err != nil {
		return receipts{}, err
	}
	ms, err := members(ctx, m.db, a.ch.ID)
	if err != nil {
		return receipts{}, err
	}
	idsOf := make([]string, len(ms))
	for i, x := range ms {
		idsOf[i] = x.UserID
	}
	prefs, err := userReadReceipts(ctx, m.db, idsOf)
	if err != nil {
		return receipts{}, err
	}
	rc := receipts{on: effectiveReceipts(prefs[a.p.UserID], st.ReadReceiptsDefault), dm: a.ch.Kind == KindDM,
		readPos: map[string]int64{}, selfUser: a.p.UserID}
	for _, x := range ms {
		if effectiveReceipts(prefs[x.UserID], st.ReadReceiptsDefault) {
			rc.readPos[x.UserID] = x.LastReadSeq
		}
	}
	return rc, nil
}

// apply sets the receipt fields of msg for the caller.
func (rc receipts) apply(msg *Message, a access) {
	if !rc.on || msg.Deleted {
		return
	}
	n := 0
	for u, pos := range rc.readPos {
		if u != msg.UserID && pos >= msg.Seq {
			n++
		}
	}
	if rc.dm {
		if msg.UserID == rc.selfUser {
			read := n > 0
			msg.Read = &read
		}
		return
	}
	msg.ReadCount = &n
}

// Readers lists who has read a message, when the caller shares receipts.
func (m *Module) Readers(ctx context.Context, channelID, messageID string) ([]string, error) {
	a, r, err := m.loadMessage(ctx, m.db, channelID, messageID)
	if err != nil {
		return nil, err
	}
	rc, err := m.receiptsFor(ctx, a)
	if err != nil {
		return nil, err
	}
	if !rc.on {
		return nil, apperr.Forbidden("you do not share read receipts, so you see none").WithCode(apperr.CodeReadReceiptsOff)
	}
	out := []string{}
	for u, pos := range rc.readPos {
		if u != r.UserID && pos >= r.Seq {
			out = append(out, u)
		}
	}
	return out, nil
}

// Members lists a channel's people; read positions only between people
// who both share read receipts.
func (m *Module) Members(ctx context.Context, channelID string) ([]Member, error) {
	a, err := m.loadMember(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	ms, err := members(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	rc, err := m.receiptsFor(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]Member, len(ms))
	for i, x := range ms {
		out[i] = Member{UserID: x.UserID, Role: x.Role, JoinedAt: *timePtr(x.JoinedAt)}
		if pos, shares := rc.readPos[x.UserID]; rc.on && shares {
			out[i].LastReadSeq = &pos
		}
	}
	return out, nil
}

// MarkRead moves the caller's read position forward to seq.
func (m *Module) MarkRead(ctx context.Context, channelID string, seq int64) (Membership, error) {
	return m.moveRead(ctx, channelID, seq, false)
}

// MarkUnread moves the caller's read position back so that the message
// with seq and everything after it count as unread.
func (m *Module) MarkUnread(ctx context.Context, channelID string, seq int64) (Membership, error) {
	return m.moveRead(ctx, channelID, seq-1, true)
}

func (m *Module) moveRead(ctx context.Context, channelID string, pos int64, back bool) (Membership, error) {
	if pos < 0 {
		return Membership{}, apperr.Invalid("body.seq", "seq starts at 1")
	}
	var out Membership
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if pos > a.ch.LastSeq {
			return apperr.Invalid("body.seq", "the channel's newest message is %d", a.ch.LastSeq)
		}
		if (!back && pos <= a.mem.LastReadSeq) || (back && pos >= a.mem.LastReadSeq) {
			out = *membershipView(a.mem, [2]int{})
			return nil
		}
		if err := setLastRead(ctx, tx, channelID, a.p.UserID, pos); err != nil {
			return err
		}
		a.mem.LastReadSeq = pos
		out = *membershipView(a.mem, [2]int{})
		if err := m.emit(ctx, tx, evReadUpdated.With(events.ReadUpdate{ChannelID: channelID, LastReadSeq: pos}), "", a.p.UserID); err != nil {
			return err
		}
		st, err := m.settings(ctx, tx)
		if err != nil {
			return err
		}
		prefs, err := userReadReceipts(ctx, tx, []string{a.p.UserID})
		if err != nil {
			return err
		}
		if !back && effectiveReceipts(prefs[a.p.UserID], st.ReadReceiptsDefault) {
			return m.emit(ctx, tx, evReceiptUpdated.With(events.ReceiptUpdate{
				ChannelID: channelID, UserID: a.p.UserID, LastReadSeq: pos}), channelID, "")
		}
		return nil
	})
	if err != nil {
		return Membership{}, err
	}
	counts, err := unreadCounts(ctx, m.db, authn.FromContext(ctx).UserID, channelID, millis(m.now()))
	if err != nil {
		return Membership{}, err
	}
	c := counts[channelID]
	out.UnreadCount, out.MentionCount = c[0], c[1]
	return out, nil
}
