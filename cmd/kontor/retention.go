package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// retentionCmd previews or runs retention from the command line, as the
// compliance endpoints do (a run is recorded with the actor "cli").
func retentionCmd(s *settings) *cobra.Command {
	var dry, run bool
	var asOf string
	c := &cobra.Command{
		Use:   "retention",
		Short: "Preview (--dry-run) or run (--run) retention now; --as-of repeats a preview's clock",
		Args:  cobra.NoArgs,
	}
	c.Flags().BoolVar(&dry, "dry-run", false, "List what a run would remove, with counts per policy and channel; change nothing")
	c.Flags().BoolVar(&run, "run", false, "Purge what is due now, except what legal holds keep")
	c.Flags().StringVar(&asOf, "as-of", "", "Look from this time (RFC 3339, not later than now), e.g. a dry run's as_of")
	c.RunE = withComplianceApp(s, func(ctx context.Context, a *app.App) error {
		if dry == run {
			return errors.New("give exactly one of --dry-run and --run")
		}
		var at *time.Time
		if asOf != "" {
			t, err := time.Parse(time.RFC3339Nano, asOf)
			if err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
			at = &t
		}
		ctx = authn.SystemContext(ctx, "cli")
		out := c.OutOrStdout()
		if run {
			r, err := a.Compliance.RunRetention(ctx, at)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "run %s as of %s: %d messages and %d files purged, %d kept by legal holds, %d tombstones\n",
				r.ID, r.AsOf.Format(time.RFC3339Nano), r.Messages, r.Files, r.Held, r.Tombstones)
			return nil
		}
		for cursor := 0; ; {
			d, err := a.Compliance.RetentionDryRun(ctx, at, cursor, 1000)
			if err != nil {
				return err
			}
			if cursor == 0 {
				fmt.Fprintf(out, "as of %s: %d messages and %d files would go, %d kept by legal holds\n",
					d.AsOf.Format(time.RFC3339Nano), d.Messages, d.Files, d.Held)
				for _, p := range d.ByPolicy {
					fmt.Fprintf(out, "policy %s (%s %s): %d messages, %d files, %d held\n", p.PolicyID, p.Scope, p.Target, p.Messages, p.Files, p.Held)
				}
				at = &d.AsOf
			}
			for _, it := range d.Items {
				held := ""
				if it.Held {
					held = " HELD"
				}
				fmt.Fprintf(out, "%s %s channel=%s created=%s policy=%s%s\n", it.Type, it.ID, it.ChannelID,
					it.CreatedAt.Format(time.RFC3339), it.PolicyID, held)
			}
			if d.Next == 0 {
				return nil
			}
			cursor = d.Next
		}
	})
	return c
}
