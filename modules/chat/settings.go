package chat

import (
	"context"
	"strconv"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Settings: the server-wide chat switches and each person's chat
// preferences.

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
			if err := m.audit.Record(ctx, tx, now, "setting.change", "setting", s.name, map[string]any{"value": *s.v}); err != nil {
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
