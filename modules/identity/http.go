package identity

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

// Register adds the identity operations: /auth, /users and /admin.
func (m *Module) Register(api huma.API) {
	m.registerAuth(api)
	m.registerPeople(api)
	m.registerAdmin(api)
}

func op(id, method, path, summary, tag string, public bool) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: httpapi.APIPrefix + path, Summary: summary, Tags: []string{tag}}
	if !public {
		o.Security = httpapi.SecuritySession
	}
	return o
}

type (
	loginInput struct {
		Body struct {
			Username string `json:"username" maxLength:"128" doc:"Local username or directory (LDAP) username." example:"admin"`
			Password string `json:"password" maxLength:"1024"`
			Bearer   bool   `json:"bearer,omitempty" doc:"Return a bearer token for API clients instead of setting the session cookie."`
		}
	}
	loginBody struct {
		User      User      `json:"user"`
		Token     string    `json:"token,omitempty" doc:"Bearer token, only when bearer was requested."`
		CSRFToken string    `json:"csrf_token,omitempty" doc:"Send it as X-CSRF-Token with every change made with the session cookie."`
		ExpiresAt time.Time `json:"expires_at"`
	}
	loginOutput struct {
		SetCookie []http.Cookie `header:"Set-Cookie"`
		Body      loginBody
	}
	logoutOutput struct {
		SetCookie []http.Cookie `header:"Set-Cookie"`
	}
	sessionOutput struct {
		Body struct {
			User      User       `json:"user"`
			CSRFToken string     `json:"csrf_token,omitempty"`
			ExpiresAt *time.Time `json:"expires_at,omitempty"`
		}
	}
	idPath struct {
		ID string `path:"id" maxLength:"64"`
	}
	tokenInput struct {
		Body struct {
			Name          string   `json:"name" maxLength:"100" example:"backup script"`
			ExpiresInDays int      `json:"expires_in_days,omitempty" minimum:"0" maximum:"3650" doc:"0 or absent: the server's default (api-token-ttl, 90 days unless configured); at most api-token-max-ttl."`
			Scopes        []string `json:"scopes,omitempty" maxItems:"3" enum:"read,write,admin" doc:"What the token may do: read; write (changes, implies read); admin (its owner's admin and compliance roles). Absent: read and write."`
		}
	}
	tokenOutput struct {
		Body struct {
			APIToken
			Token string `json:"token" doc:"The secret. It is shown only this once."`
		}
	}
	passwordInput struct {
		Body struct {
			CurrentPassword string `json:"current_password" maxLength:"1024"`
			NewPassword     string `json:"new_password" maxLength:"1024"`
			KeepAPITokens   bool   `json:"keep_api_tokens,omitempty" doc:"Keep my personal API tokens working; by default a password change ends them with my other sessions."`
		}
	}
	userPath struct {
		User string `path:"user" maxLength:"128" doc:"User id or username."`
	}
	userOutput struct{ Body User }
)

func (m *Module) registerAuth(api huma.API) {
	huma.Register(api, op("auth-login", http.MethodPost, "/auth/login", "Sign in with username and password", "auth", true),
		func(ctx context.Context, in *loginInput) (*loginOutput, error) {
			device, _ := ctx.Value(deviceKey{}).(string)
			res, err := m.Login(ctx, in.Body.Username, in.Body.Password, device)
			if err != nil {
				return nil, err
			}
			out := &loginOutput{Body: loginBody{User: res.User, ExpiresAt: res.ExpiresAt}}
			if in.Body.Bearer {
				out.Body.Token = res.Token
			} else {
				out.Body.CSRFToken = res.CSRF
				out.SetCookie = m.sessionCookies(res.Token, res.CSRF, res.ExpiresAt)
			}
			out.SetCookie = append(out.SetCookie, m.deviceCookie(res.Device))
			return out, nil
		})
	huma.Register(api, op("auth-logout", http.MethodPost, "/auth/logout", "Sign out (end this session)", "auth", false),
		func(ctx context.Context, _ *struct{}) (*logoutOutput, error) {
			if err := m.Logout(ctx); err != nil {
				return nil, err
			}
			return &logoutOutput{SetCookie: m.expiredCookies()}, nil
		})
	huma.Register(api, op("auth-session", http.MethodGet, "/auth/session", "Who am I: the signed-in user and the session's CSRF token", "auth", false),
		func(ctx context.Context, _ *struct{}) (*sessionOutput, error) {
			u, err := m.Me(ctx)
			if err != nil {
				return nil, err
			}
			out := &sessionOutput{}
			out.Body.User = u
			if si, ok := ctx.Value(sessionInfoKey{}).(sessionInfo); ok {
				out.Body.CSRFToken = si.CSRF
				if !si.ExpiresAt.IsZero() {
					out.Body.ExpiresAt = &si.ExpiresAt
				}
			}
			return out, nil
		})
	huma.Register(api, op("auth-list-sessions", http.MethodGet, "/auth/sessions", "List my sessions", "auth", false),
		func(ctx context.Context, _ *struct{}) (*httpapi.ListOutput[Session], error) {
			ss, err := m.MySessions(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.List(ss, ""), nil
		})
	huma.Register(api, op("auth-revoke-session", http.MethodDelete, "/auth/sessions/{id}", "End one of my sessions", "auth", false),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, m.RevokeMySession(ctx, in.ID)
		})
	huma.Register(api, op("auth-list-tokens", http.MethodGet, "/auth/tokens", "List my personal API tokens", "auth", false),
		func(ctx context.Context, _ *struct{}) (*httpapi.ListOutput[APIToken], error) {
			ts, err := m.MyTokens(ctx)
			if err != nil {
				return nil, err
			}
			return httpapi.List(ts, ""), nil
		})
	create := op("auth-create-token", http.MethodPost, "/auth/tokens", "Create a personal API token", "auth", false)
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *tokenInput) (*tokenOutput, error) {
		t, secret, err := m.CreateToken(ctx, TokenRequest{Name: in.Body.Name, TTL: time.Duration(in.Body.ExpiresInDays) * 24 * time.Hour,
			Scopes: in.Body.Scopes})
		if err != nil {
			return nil, err
		}
		out := &tokenOutput{}
		out.Body.APIToken, out.Body.Token = t, secret
		return out, nil
	})
	huma.Register(api, op("auth-revoke-token", http.MethodDelete, "/auth/tokens/{id}", "Revoke one of my API tokens", "auth", false),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			return nil, m.RevokeMyToken(ctx, in.ID)
		})
	huma.Register(api, op("auth-change-password", http.MethodPost, "/auth/password", "Change my password (local accounts)", "auth", false),
		func(ctx context.Context, in *passwordInput) (*struct{}, error) {
			return nil, m.ChangePassword(ctx, in.Body.CurrentPassword, in.Body.NewPassword, in.Body.KeepAPITokens)
		})
}

type (
	peopleInput struct {
		Q          string `query:"q" maxLength:"200" doc:"Words to find in name, username, e-mail, title or department."`
		Department string `query:"department" maxLength:"200" doc:"Only people in this department."`
		After      string `query:"after" maxLength:"128" doc:"Continue after this username (from 'next')."`
		Limit      int    `query:"limit" minimum:"0" maximum:"200" default:"50"`
		IDs        string `query:"ids" maxLength:"2700" doc:"Comma-separated user ids (at most 100): exactly these people, former colleagues included, in this order; the other filters are ignored. Clients use it to show the names of message authors and channel members."`
	}
	profileOutput struct{ Body Profile }
	avatarInput   struct {
		ID          string `path:"id" maxLength:"64"`
		IfNoneMatch string `header:"If-None-Match"`
	}
	avatarOutput struct {
		Status       int
		ContentType  string `header:"Content-Type"`
		ETag         string `header:"ETag"`
		CacheControl string `header:"Cache-Control"`
		Body         []byte
	}
	updateMeInput struct{ Body UserPatch }
)

func (m *Module) registerPeople(api huma.API) {
	huma.Register(api, op("users-search", http.MethodGet, "/users", "Search the company directory", "users", false),
		func(ctx context.Context, in *peopleInput) (*httpapi.ListOutput[Profile], error) {
			if in.IDs != "" {
				ps, err := m.PeopleByID(ctx, strings.Split(in.IDs, ","))
				if err != nil {
					return nil, err
				}
				return httpapi.List(ps, ""), nil
			}
			ps, next, err := m.SearchPeople(ctx, in.Q, in.Department, in.After, in.Limit)
			if err != nil {
				return nil, err
			}
			return httpapi.List(ps, next), nil
		})
	huma.Register(api, op("users-me", http.MethodGet, "/users/me", "My account", "users", false),
		func(ctx context.Context, _ *struct{}) (*userOutput, error) {
			u, err := m.Me(ctx)
			return &userOutput{Body: u}, err
		})
	huma.Register(api, op("users-update-me", http.MethodPatch, "/users/me", "Change my profile (local accounts)", "users", false),
		func(ctx context.Context, in *updateMeInput) (*userOutput, error) {
			u, err := m.UpdateMe(ctx, in.Body)
			return &userOutput{Body: u}, err
		})
	huma.Register(api, op("users-get", http.MethodGet, "/users/{user}", "A colleague's profile", "users", false),
		func(ctx context.Context, in *userPath) (*profileOutput, error) {
			p, err := m.GetProfile(ctx, in.User)
			return &profileOutput{Body: p}, err
		})
	put := op("users-set-my-avatar", http.MethodPut, "/users/me/avatar", "Upload my picture (local accounts)", "users", false)
	put.Description = "Send a JPEG, PNG, GIF or WebP image of at most 1 MiB, 2048 pixels a side and 16 MiB decoded (8 bits per channel) as the body; larger pictures are refused with image_too_large before they are decoded."
	put.MaxBodyBytes = MaxAvatarBytes
	huma.Register(api, put, func(ctx context.Context, in *struct {
		RawBody []byte `contentType:"image/*"`
	}) (*userOutput, error) {
		u, err := m.SetMyAvatar(ctx, in.RawBody)
		return &userOutput{Body: u}, err
	})
	huma.Register(api, op("users-delete-my-avatar", http.MethodDelete, "/users/me/avatar", "Remove my picture (local accounts)", "users", false),
		func(ctx context.Context, _ *struct{}) (*userOutput, error) {
			u, err := m.DeleteMyAvatar(ctx)
			return &userOutput{Body: u}, err
		})
	huma.Register(api, op("users-avatar", http.MethodGet, "/users/{id}/avatar", "A colleague's picture", "users", false),
		func(ctx context.Context, in *avatarInput) (*avatarOutput, error) {
			ct, etag, data, err := m.Avatar(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			out := &avatarOutput{Status: http.StatusOK, ContentType: ct, ETag: `"` + etag + `"`, CacheControl: "private, max-age=300"}
			if in.IfNoneMatch == out.ETag {
				out.Status, out.ContentType = http.StatusNotModified, ""
				return out, nil
			}
			out.Body = data
			return out, nil
		})
}

type (
	adminUsersInput struct {
		Q          string `query:"q" maxLength:"200"`
		Department string `query:"department" maxLength:"200"`
		Role       string `query:"role" enum:"admin,compliance,member,"`
		Status     string `query:"status" enum:"active,disabled,"`
		Source     string `query:"source" enum:"local,ldap,"`
		After      string `query:"after" maxLength:"128"`
		Limit      int    `query:"limit" minimum:"0" maximum:"200" default:"50"`
	}
	createUserInput  struct{ Body NewUser }
	createUserOutput struct {
		Body struct {
			User     User   `json:"user"`
			Password string `json:"password,omitempty" doc:"The generated password, shown only this once."`
		}
	}
	patchUserInput struct {
		User string `path:"user" maxLength:"128"`
		Body UserPatch
	}
	resetPasswordInput struct {
		User string `path:"user" maxLength:"128"`
		Body struct {
			Password string `json:"password,omitempty" maxLength:"1024" doc:"Leave empty to have Kontor make one."`
		}
	}
	resetPasswordOutput struct {
		Body struct {
			Password string `json:"password,omitempty" doc:"The generated password, shown only this once."`
		}
	}
	auditInput struct {
		Action     string `query:"action" maxLength:"100"`
		TargetType string `query:"target_type" maxLength:"50"`
		TargetID   string `query:"target_id" maxLength:"64"`
		ActorID    string `query:"actor_id" maxLength:"64"`
		Before     int64  `query:"before" minimum:"0" doc:"Entries older than this position (from 'next')."`
		Limit      int    `query:"limit" minimum:"0" maximum:"500" default:"100"`
	}
	auditOutput struct {
		Body struct {
			Items []audit.Entry `json:"items"`
			Next  int64         `json:"next,omitempty" doc:"Pass as 'before' to get older entries."`
		}
	}
	syncOutput   struct{ Body SyncReport }
	statusOutput struct{ Body DirectoryStatus }
)

func (m *Module) registerAdmin(api huma.API) {
	huma.Register(api, op("admin-list-users", http.MethodGet, "/admin/users", "List accounts with roles and state", "admin", false),
		func(ctx context.Context, in *adminUsersInput) (*httpapi.ListOutput[User], error) {
			us, next, err := m.ListUsers(ctx, UserQuery{Text: in.Q, Department: in.Department, Role: in.Role, Status: in.Status,
				Source: in.Source, After: in.After, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			return httpapi.List(us, next), nil
		})
	create := op("admin-create-user", http.MethodPost, "/admin/users", "Create a local account", "admin", false)
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *createUserInput) (*createUserOutput, error) {
		u, pw, err := m.CreateUser(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		out := &createUserOutput{}
		out.Body.User, out.Body.Password = u, pw
		return out, nil
	})
	huma.Register(api, op("admin-get-user", http.MethodGet, "/admin/users/{user}", "An account with roles and state", "admin", false),
		func(ctx context.Context, in *userPath) (*userOutput, error) {
			u, err := m.GetUser(ctx, in.User)
			return &userOutput{Body: u}, err
		})
	huma.Register(api, op("admin-update-user", http.MethodPatch, "/admin/users/{user}", "Change an account: profile, roles, status", "admin", false),
		func(ctx context.Context, in *patchUserInput) (*userOutput, error) {
			u, err := m.UpdateUser(ctx, in.User, in.Body)
			return &userOutput{Body: u}, err
		})
	huma.Register(api, op("admin-reset-password", http.MethodPost, "/admin/users/{user}/password", "Set a new password for a local account", "admin", false),
		func(ctx context.Context, in *resetPasswordInput) (*resetPasswordOutput, error) {
			pw, err := m.ResetPassword(ctx, in.User, in.Body.Password)
			out := &resetPasswordOutput{}
			out.Body.Password = pw
			return out, err
		})
	huma.Register(api, op("admin-revoke-user-sessions", http.MethodPost, "/admin/users/{user}/revoke-sessions", "End every session and token of an account", "admin", false),
		func(ctx context.Context, in *userPath) (*struct{}, error) {
			return nil, m.RevokeUserSessions(ctx, in.User)
		})
	huma.Register(api, op("admin-audit-log", http.MethodGet, "/admin/audit-log", "Read the audit log, newest first", "admin", false),
		func(ctx context.Context, in *auditInput) (*auditOutput, error) {
			es, err := m.AuditLog(ctx, audit.Filter{Action: in.Action, TargetType: in.TargetType, TargetID: in.TargetID,
				ActorID: in.ActorID, Before: in.Before, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &auditOutput{}
			out.Body.Items, out.Body.Next = audit.Page(es, in.Limit)
			return out, nil
		})
	huma.Register(api, op("admin-ldap-status", http.MethodGet, "/admin/ldap", "Directory (LDAP) configuration and last sync", "admin", false),
		func(ctx context.Context, _ *struct{}) (*statusOutput, error) {
			st, err := m.Status(ctx)
			return &statusOutput{Body: st}, err
		})
	huma.Register(api, op("admin-ldap-sync", http.MethodPost, "/admin/ldap/sync", "Sync accounts with the directory now", "admin", false),
		func(ctx context.Context, _ *struct{}) (*syncOutput, error) {
			rep, err := m.SyncDirectory(ctx)
			if err != nil {
				return nil, err
			}
			return &syncOutput{Body: rep}, nil
		})
}
