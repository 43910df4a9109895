package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/internal/app"
)

func complianceCmd(s *settings) *cobra.Command {
	c := &cobra.Command{Use: "compliance", Short: "Check the record journal"}
	verify := &cobra.Command{
		Use:   "verify-journal",
		Short: "Check every journal entry, the Merkle tree and the signed checkpoints; report the first broken entry",
		Args:  cobra.NoArgs,
	}
	verify.RunE = withApp(s, func(ctx context.Context, a *app.App) error {
		out, errOut := verify.OutOrStdout(), verify.ErrOrStderr()
		last := int64(-1)
		rep, err := a.Journal.Verify(ctx, func(done, total int64) {
			if pct := done * 100 / max(total, 1); pct/10 != last/10 {
				last = pct
				fmt.Fprintf(errOut, "\rverifying: %d of %d entries (%d%%)", done, total, pct)
			}
		})
		fmt.Fprintln(errOut)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "entries: %d\ncheckpoints: %d\npurged by retention (on record): %d\nverifier key: %s\n",
			rep.Entries, rep.Checkpoints, rep.Purged, a.Journal.VerifierKey())
		if !rep.OK() {
			fmt.Fprintf(out, "BROKEN at entry %d: %s\n", rep.FirstBroken, rep.Problem)
			return errors.New("the journal does not verify")
		}
		fmt.Fprintln(out, "OK: the journal is complete and unaltered")
		return nil
	})
	checkpoint := &cobra.Command{Use: "checkpoint", Short: "Sign the journal's current tree head now", Args: cobra.NoArgs}
	checkpoint.RunE = withApp(s, func(ctx context.Context, a *app.App) error {
		cp, err := a.Journal.Checkpoint(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(checkpoint.OutOrStdout(), "size %d root %s\n%s", cp.Size, cp.Root, cp.Note)
		return nil
	})
	c.AddCommand(verify, checkpoint)
	return c
}
