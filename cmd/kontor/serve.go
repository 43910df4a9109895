package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/jobs"
)

func serveCmd(s *settings) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the Kontor server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), s, cmd.OutOrStdout())
		},
	}
}

func serve(ctx context.Context, s *settings, out io.Writer) error {
	log, err := newLogger(s)
	if err != nil {
		return err
	}
	log.Info("starting kontor", "version", version, "settings", s.set.Describe())
	trusted, err := s.trustedProxies()
	if err != nil {
		return err
	}
	// Listen first: a port in use should fail before anything else happens.
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	defer ln.Close()

	cfg, err := s.appConfig()
	if err != nil {
		return err
	}
	cfg.Search = true
	a, err := app.Open(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	log.Info("database ready", "database", a.DB.String())

	created, generated, err := a.Identity.Bootstrap(ctx, s.AdminPassword)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	read, write := a.DB.Pools()
	reg.MustRegister(collectors.NewDBStatsCollector(read, "read"))
	if write != read {
		reg.MustRegister(collectors.NewDBStatsCollector(write, "write"))
	}
	srv := a.Server(httpapi.Options{Log: log, Version: version, Registry: reg, TrustedProxies: trusted,
		MetricsToken: s.MetricsToken, HSTSMaxAge: s.HSTSMaxAge})

	sched := jobs.New(log, a.DB)
	if err := a.Start(ctx, sched); err != nil {
		return err
	}

	url := "http://" + ln.Addr().String()
	if s.PublicURL != "" {
		url = strings.TrimRight(s.PublicURL, "/")
	}
	log.Info("listening", "addr", ln.Addr().String(), "url", url)
	// One write, so that whoever reads the output sees the banner whole.
	var banner strings.Builder
	if created {
		// The one time a secret is shown: on the terminal of whoever started
		// Kontor for the first time, never in the log.
		banner.WriteString("First start: created the administrator account.\n  username: admin\n")
		if generated != "" {
			fmt.Fprintf(&banner, "  password: %s\n  (shown only this once; change it after signing in)\n", generated)
		} else {
			banner.WriteString("  password: the one in KONTOR_ADMIN_PASSWORD\n")
		}
		fmt.Fprintf(&banner, "Sign in: open %s in a browser (API clients: POST %s/api/v1/auth/login)\n\n", url, url)
	}
	fmt.Fprintf(&banner, "Kontor %s is running at %s\n", version, url)
	_, _ = io.WriteString(out, banner.String())
	err = srv.Serve(ctx, ln, s.ShutdownTimeout)
	sched.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("stopped")
	return nil
}
