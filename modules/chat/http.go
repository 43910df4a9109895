package chat

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

func op(id, method, path, summary string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: httpapi.APIPrefix + path, Summary: summary,
		Tags: []string{"channels"}, Security: httpapi.SecuritySession}
}

// ChannelParam and MessageParam are path parameters; exported because
// huma fills embedded structs only through exported fields.
type (
	ChannelParam struct {
		ID string `path:"id" maxLength:"26" doc:"Channel id."`
	}
	MessageParam struct {
		ID  string `path:"id" maxLength:"26" doc:"Channel id."`
		MID string `path:"mid" maxLength:"26" doc:"Message id."`
	}
	channelOut  struct{ Body Channel }
	channelsOut struct {
		Body struct {
			Items []Channel `json:"items"`
			Next  string    `json:"next,omitempty"`
		}
	}
	messageOut  struct{ Body Message }
	messagesOut struct {
		Body struct {
			Items []Message `json:"items"`
		}
	}
	membersOut struct {
		Body struct {
			Items []Member `json:"items"`
		}
	}
	membershipOut struct{ Body Membership }
	idsOut        struct {
		Body struct {
			UserIDs []string `json:"user_ids"`
		}
	}
)

func channels(cs []Channel, next string) *channelsOut {
	out := &channelsOut{}
	out.Body.Items, out.Body.Next = cs, next
	if out.Body.Items == nil {
		out.Body.Items = []Channel{}
	}
	return out
}

func messages(ms []Message) *messagesOut {
	out := &messagesOut{}
	out.Body.Items = ms
	if out.Body.Items == nil {
		out.Body.Items = []Message{}
	}
	return out
}

// Register adds the chat operations under /api/v1/channels.
func (m *Module) Register(api huma.API) {
	huma.Register(api, op("channels-list-mine", http.MethodGet, "/channels", "My channels and conversations with unread counts (the sidebar)"),
		func(ctx context.Context, _ *struct{}) (*channelsOut, error) {
			cs, err := m.MyChannels(ctx)
			return channels(cs, ""), err
		})
	huma.Register(api, op("channels-browse", http.MethodGet, "/channels/browse", "Browse public channels"),
		func(ctx context.Context, in *struct {
			Q        string `query:"q" maxLength:"200"`
			After    string `query:"after" maxLength:"64"`
			Archived bool   `query:"archived" doc:"Include archived channels."`
			Limit    int    `query:"limit" minimum:"0" maximum:"200" default:"50"`
		}) (*channelsOut, error) {
			cs, next, err := m.Browse(ctx, in.Q, in.After, in.Archived, in.Limit)
			return channels(cs, next), err
		})
	create := op("channels-create", http.MethodPost, "/channels", "Create a channel")
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *struct{ Body NewChannel }) (*channelOut, error) {
		c, err := m.CreateChannel(ctx, in.Body)
		return &channelOut{Body: c}, err
	})
	huma.Register(api, op("channels-open-dm", http.MethodPost, "/channels/direct", "Open the direct or group conversation with these people"),
		func(ctx context.Context, in *struct {
			Body struct {
				UserIDs []string `json:"user_ids" minItems:"1" maxItems:"20" doc:"The other people (one for a DM, up to seven for a group)."`
			}
		}) (*channelOut, error) {
			c, err := m.OpenDM(ctx, in.Body.UserIDs)
			return &channelOut{Body: c}, err
		})
	huma.Register(api, op("channels-get", http.MethodGet, "/channels/{id}", "A channel"),
		func(ctx context.Context, in *ChannelParam) (*channelOut, error) {
			c, err := m.GetChannel(ctx, in.ID)
			return &channelOut{Body: c}, err
		})
	huma.Register(api, op("channels-update", http.MethodPatch, "/channels/{id}", "Change a channel's name, topic, purpose or announcement flag"),
		func(ctx context.Context, in *struct {
			ChannelParam
			Body ChannelPatch
		}) (*channelOut, error) {
			c, err := m.UpdateChannel(ctx, in.ID, in.Body)
			return &channelOut{Body: c}, err
		})
	for _, a := range []struct {
		id, path, summary string
		archived          bool
	}{{"channels-archive", "/channels/{id}/archive", "Archive a channel (readable, not writable)", true},
		{"channels-unarchive", "/channels/{id}/unarchive", "Unarchive a channel", false}} {
		archived := a.archived
		huma.Register(api, op(a.id, http.MethodPost, a.path, a.summary), func(ctx context.Context, in *ChannelParam) (*channelOut, error) {
			c, err := m.SetArchived(ctx, in.ID, archived)
			return &channelOut{Body: c}, err
		})
	}
	huma.Register(api, op("channels-join", http.MethodPost, "/channels/{id}/join", "Join a public channel"),
		func(ctx context.Context, in *ChannelParam) (*channelOut, error) {
			c, err := m.Join(ctx, in.ID)
			return &channelOut{Body: c}, err
		})
	huma.Register(api, op("channels-leave", http.MethodPost, "/channels/{id}/leave", "Leave a channel"),
		func(ctx context.Context, in *ChannelParam) (*struct{}, error) { return nil, m.Leave(ctx, in.ID) })
	huma.Register(api, op("channels-members", http.MethodGet, "/channels/{id}/members", "A channel's members"),
		func(ctx context.Context, in *ChannelParam) (*membersOut, error) {
			ms, err := m.Members(ctx, in.ID)
			out := &membersOut{}
			out.Body.Items = ms
			return out, err
		})
	huma.Register(api, op("channels-invite", http.MethodPost, "/channels/{id}/members", "Add people to a channel"),
		func(ctx context.Context, in *struct {
			ChannelParam
			Body struct {
				UserIDs []string `json:"user_ids" minItems:"1" maxItems:"1000"`
			}
		}) (*membersOut, error) {
			ms, err := m.Invite(ctx, in.ID, in.Body.UserIDs)
			out := &membersOut{}
			out.Body.Items = ms
			return out, err
		})
	huma.Register(api, op("channels-remove-member", http.MethodDelete, "/channels/{id}/members/{user}", "Remove someone from a channel (channel admins)"),
		func(ctx context.Context, in *struct {
			ChannelParam
			User string `path:"user" maxLength:"26"`
		}) (*struct{}, error) {
			return nil, m.RemoveMember(ctx, in.ID, in.User)
		})
	huma.Register(api, op("channels-set-member-role", http.MethodPatch, "/channels/{id}/members/{user}", "Make someone a channel admin or a member (channel admins)"),
		func(ctx context.Context, in *struct {
			ChannelParam
			User string `path:"user" maxLength:"26"`
			Body struct {
				Role string `json:"role" enum:"admin,member"`
			}
		}) (*struct{}, error) {
			return nil, m.SetMemberRole(ctx, in.ID, in.User, in.Body.Role)
		})
	huma.Register(api, op("channels-set-notify", http.MethodPut, "/channels/{id}/notify", "My notification level for a channel"),
		func(ctx context.Context, in *struct {
			ChannelParam
			Body struct {
				Notify string `json:"notify" enum:"all,mentions,none"`
			}
		}) (*struct{}, error) {
			return nil, m.SetNotify(ctx, in.ID, in.Body.Notify)
		})
	m.registerMessages(api)
}

func (m *Module) registerMessages(api huma.API) {
	huma.Register(api, op("messages-list", http.MethodGet, "/channels/{id}/messages", "A channel's messages, oldest first: the newest page, or before/after/around a position"),
		func(ctx context.Context, in *struct {
			ChannelParam
			Before int64 `query:"before" minimum:"0" doc:"Messages with a smaller seq."`
			After  int64 `query:"after" minimum:"0" doc:"Messages with a larger seq."`
			Around int64 `query:"around" minimum:"0" doc:"Messages around this seq, e.g. to jump to a linked message."`
			Limit  int   `query:"limit" minimum:"0" maximum:"200" default:"50"`
		}) (*messagesOut, error) {
			ms, err := m.Messages(ctx, in.ID, Page{Before: in.Before, After: in.After, Around: in.Around, Limit: in.Limit})
			return messages(ms), err
		})
	post := op("messages-post", http.MethodPost, "/channels/{id}/messages", "Post a message or a thread reply")
	post.DefaultStatus = http.StatusCreated
	post.MaxBodyBytes = 256 << 10
	huma.Register(api, post, func(ctx context.Context, in *struct {
		ChannelParam
		Body NewMessage
	}) (*messageOut, error) {
		msg, err := m.Post(ctx, in.ID, in.Body)
		return &messageOut{Body: msg}, err
	})
	huma.Register(api, op("messages-get", http.MethodGet, "/channels/{id}/messages/{mid}", "One message"),
		func(ctx context.Context, in *MessageParam) (*messageOut, error) {
			msg, err := m.Message(ctx, in.ID, in.MID)
			return &messageOut{Body: msg}, err
		})
	edit := op("messages-edit", http.MethodPatch, "/channels/{id}/messages/{mid}", "Edit my message (the earlier version is kept)")
	edit.MaxBodyBytes = 256 << 10
	huma.Register(api, edit, func(ctx context.Context, in *struct {
		MessageParam
		Body struct {
			Text string `json:"text" maxLength:"64000"`
		}
	}) (*messageOut, error) {
		msg, err := m.Edit(ctx, in.ID, in.MID, in.Body.Text)
		return &messageOut{Body: msg}, err
	})
	huma.Register(api, op("messages-delete", http.MethodDelete, "/channels/{id}/messages/{mid}", "Delete my message (it stays on record)"),
		func(ctx context.Context, in *MessageParam) (*struct{}, error) {
			return nil, m.Delete(ctx, in.ID, in.MID)
		})
	huma.Register(api, op("messages-thread", http.MethodGet, "/channels/{id}/messages/{mid}/thread", "A thread: its first message and the replies"),
		func(ctx context.Context, in *struct {
			MessageParam
			After int64 `query:"after" minimum:"0"`
			Limit int   `query:"limit" minimum:"0" maximum:"200" default:"100"`
		}) (*messagesOut, error) {
			ms, err := m.Thread(ctx, in.ID, in.MID, in.After, in.Limit)
			return messages(ms), err
		})
	huma.Register(api, op("messages-versions", http.MethodGet, "/channels/{id}/messages/{mid}/versions", "Earlier versions of an edited message (author, compliance officers)"),
		func(ctx context.Context, in *MessageParam) (*struct {
			Body struct {
				Items []Version `json:"items"`
			}
		}, error) {
			vs, err := m.Versions(ctx, in.ID, in.MID)
			out := &struct {
				Body struct {
					Items []Version `json:"items"`
				}
			}{}
			out.Body.Items = vs
			return out, err
		})
	huma.Register(api, op("messages-react", http.MethodPost, "/channels/{id}/messages/{mid}/reactions", "Add my reaction, or take it back"),
		func(ctx context.Context, in *struct {
			MessageParam
			Body struct {
				Emoji string `json:"emoji" maxLength:"64" example:"👍"`
				On    *bool  `json:"on,omitempty" doc:"true adds the reaction, false takes it back; either is safe to repeat. Without it the request toggles."`
			}
		}) (*messageOut, error) {
			msg, err := m.React(ctx, in.ID, in.MID, in.Body.Emoji, in.Body.On)
			return &messageOut{Body: msg}, err
		})
	for _, p := range []struct {
		id, method, summary string
		on                  bool
	}{{"messages-pin", http.MethodPost, "Pin a message", true}, {"messages-unpin", http.MethodDelete, "Unpin a message", false}} {
		on := p.on
		huma.Register(api, op(p.id, p.method, "/channels/{id}/messages/{mid}/pin", p.summary), func(ctx context.Context, in *MessageParam) (*messageOut, error) {
			msg, err := m.SetPinned(ctx, in.ID, in.MID, on)
			return &messageOut{Body: msg}, err
		})
	}
	huma.Register(api, op("channels-pins", http.MethodGet, "/channels/{id}/pins", "Pinned messages, newest pin first"),
		func(ctx context.Context, in *ChannelParam) (*messagesOut, error) {
			ms, err := m.Pins(ctx, in.ID)
			return messages(ms), err
		})
	for _, f := range []struct {
		id, method, summary string
		on                  bool
	}{{"messages-follow", http.MethodPost, "Follow a thread", true}, {"messages-unfollow", http.MethodDelete, "Stop following a thread", false}} {
		on := f.on
		huma.Register(api, op(f.id, f.method, "/channels/{id}/messages/{mid}/follow", f.summary), func(ctx context.Context, in *MessageParam) (*idsOut, error) {
			us, err := m.SetFollowing(ctx, in.ID, in.MID, on)
			out := &idsOut{}
			out.Body.UserIDs = us
			return out, err
		})
	}
	huma.Register(api, op("messages-followers", http.MethodGet, "/channels/{id}/messages/{mid}/follow", "Who follows a thread (to show whether I do)"),
		func(ctx context.Context, in *MessageParam) (*idsOut, error) {
			us, err := m.Followers(ctx, in.ID, in.MID)
			out := &idsOut{}
			out.Body.UserIDs = us
			return out, err
		})
	huma.Register(api, op("messages-readers", http.MethodGet, "/channels/{id}/messages/{mid}/readers", "Who has read a message (when I share read receipts)"),
		func(ctx context.Context, in *MessageParam) (*idsOut, error) {
			us, err := m.Readers(ctx, in.ID, in.MID)
			out := &idsOut{}
			out.Body.UserIDs = us
			return out, err
		})
	type seqIn struct {
		ChannelParam
		Body struct {
			Seq int64 `json:"seq" minimum:"0" doc:"Message position."`
		}
	}
	huma.Register(api, op("channels-mark-read", http.MethodPost, "/channels/{id}/read", "Mark the channel read up to seq"),
		func(ctx context.Context, in *seqIn) (*membershipOut, error) {
			ms, err := m.MarkRead(ctx, in.ID, in.Body.Seq)
			return &membershipOut{Body: ms}, err
		})
	huma.Register(api, op("channels-mark-unread", http.MethodPost, "/channels/{id}/unread", "Mark the channel unread from seq on"),
		func(ctx context.Context, in *seqIn) (*membershipOut, error) {
			ms, err := m.MarkUnread(ctx, in.ID, in.Body.Seq)
			return &membershipOut{Body: ms}, err
		})
	settingsOp := huma.Operation{OperationID: "chat-settings", Method: http.MethodGet, Path: httpapi.APIPrefix + "/chat/settings",
		Summary: "Server-wide chat settings", Tags: []string{"channels"}, Security: httpapi.SecuritySession}
	huma.Register(api, settingsOp, func(ctx context.Context, _ *struct{}) (*struct{ Body Settings }, error) {
		st, err := m.Settings(ctx)
		return &struct{ Body Settings }{Body: st}, err
	})
	settingsOp.OperationID, settingsOp.Method, settingsOp.Summary = "chat-update-settings", http.MethodPatch, "Change chat settings (admins; the record switch: compliance officers)"
	huma.Register(api, settingsOp, func(ctx context.Context, in *struct{ Body SettingsPatch }) (*struct{ Body Settings }, error) {
		st, err := m.UpdateSettings(ctx, in.Body)
		return &struct{ Body Settings }{Body: st}, err
	})
	mine := huma.Operation{OperationID: "chat-my-settings", Method: http.MethodGet, Path: httpapi.APIPrefix + "/chat/my-settings",
		Summary: "My chat preferences", Tags: []string{"channels"}, Security: httpapi.SecuritySession}
	huma.Register(api, mine, func(ctx context.Context, _ *struct{}) (*struct{ Body MySettings }, error) {
		st, err := m.MySettings(ctx)
		return &struct{ Body MySettings }{Body: st}, err
	})
	mine.OperationID, mine.Method, mine.Summary = "chat-update-my-settings", http.MethodPatch, "Change my chat preferences"
	huma.Register(api, mine, func(ctx context.Context, in *struct {
		Body struct {
			ReadReceipts string `json:"read_receipts" enum:"default,on,off"`
		}
	}) (*struct{ Body MySettings }, error) {
		st, err := m.SetMyReadReceipts(ctx, in.Body.ReadReceipts)
		return &struct{ Body MySettings }{Body: st}, err
	})
}
