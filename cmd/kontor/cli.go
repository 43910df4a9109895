package main

import (
	"context"
	"fmt"
	"os"
	"os/user"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// openApp builds Kontor from the settings, as each of tweaks adjusts them
// for the command.
func openApp(ctx context.Context, s *settings, tweaks ...func(*app.Config)) (*app.App, error) {
	log, err := newLogger(s)
	if err != nil {
		return nil, err
	}
	cfg, err := s.appConfig()
	if err != nil {
		return nil, err
	}
	for _, t := range tweaks {
		t(&cfg)
	}
	return app.Open(ctx, cfg, log, nil)
}

// cliContext acts as Kontor itself, named "cli" in the audit log, from
// the operating-system user running the command.
func cliContext(ctx context.Context) context.Context {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	host, _ := os.Hostname()
	ctx = authn.WithOrigin(ctx, authn.Origin{IP: "local", UserAgent: fmt.Sprintf("kontor-cli (%s@%s)", who, host)})
	return authn.SystemContext(ctx, "cli")
}
