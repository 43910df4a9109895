package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/user"

	"github.com/kontorhq/kontor/migrations"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/webapp"
)

// app is Kontor wired together: the database and every module. It is
// the one place that calls each module's New.
type app struct {
	log      *slog.Logger
	db       *db.DB
	identity *identity.Module
}

// openApp opens the database, applies migrations and builds the modules.
func openApp(ctx context.Context, s *settings, log *slog.Logger) (*app, error) {
	d, err := db.Open(ctx, s.DatabaseURL, s.DataDir, db.Options{MaxConns: s.DatabaseMaxConn})
	if err != nil {
		return nil, err
	}
	applied, err := d.Migrate(ctx, migrations.FS)
	if err != nil {
		d.Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	a := &app{log: log, db: d}
	if err := a.build(s); err != nil {
		d.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) build(s *settings) error {
	dir, err := s.directory()
	if err != nil {
		return err
	}
	icfg, err := s.identityConfig()
	if err != nil {
		return err
	}
	deps := identity.Deps{DB: a.db, Log: a.log}
	if dir != nil {
		deps.Directory = dir
	}
	if a.identity, err = identity.New(deps, icfg); err != nil {
		return err
	}
	return nil
}

func (a *app) Close() error { return a.db.Close() }

// server builds the HTTP edge with every module's middleware, operations
// and readiness checks.
func (a *app) server(opt httpapi.Options) *httpapi.Server {
	opt.Middleware = []func(http.Handler) http.Handler{a.identity.Middleware}
	opt.Ready = map[string]func(context.Context) error{"database": a.db.Ping}
	srv := httpapi.New(opt)
	a.identity.Register(srv.API())
	// Last: every path no API route claimed is the web app's.
	srv.Router().Handle("/*", webapp.Handler())
	return srv
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
