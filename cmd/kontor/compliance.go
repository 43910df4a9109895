package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app"
)

func complianceCmd(s *settings) *cobra.Command {
	c := &cobra.Command{Use: "compliance", Short: "Check the record journal"}
	c.AddCommand(verifyJournalCmd(s), verifyRecordsCmd(s), checkpointCmd(s), keyCmd(s), retentionCmd(s))
	return c
}

// withComplianceApp opens Kontor for a compliance command: it reads the
// journal's key if there is one and never makes one.
func withComplianceApp(s *settings, fn func(ctx context.Context, a *app.App) error) func(*cobra.Command, []string) error {
	return withApp(s, fn, func(c *app.Config) { c.JournalKeyReadOnly = true })
}

func verifyJournalCmd(s *settings) *cobra.Command {
	var keyArg string
	var priorArgs []string
	verify := &cobra.Command{
		Use:   "verify-journal",
		Short: "Check every journal entry, the Merkle tree and the signed checkpoints, and that the journal extends checkpoints kept elsewhere",
		Long: "Checks every journal entry against its hash, the Merkle tree, every signed checkpoint against the public key,\n" +
			"and proves (RFC 6962 consistency proof) that the journal extends every earlier checkpoint given with\n" +
			"--checkpoint and the copy of the last one kept in the data dir. An empty journal, or one shorter than a\n" +
			"checkpoint seen before, fails. Give --key the public key you keep apart from the server (the output of\n" +
			"`kontor compliance key`, or a file holding it): without it the check trusts the key file on this machine.",
		Args: cobra.NoArgs,
	}
	verify.Flags().StringVar(&keyArg, "key", "", "The pinned public key: its text, or a file holding it")
	verify.Flags().StringArrayVar(&priorArgs, "checkpoint", nil, "An earlier checkpoint kept elsewhere: a file or an http(s) URL (repeatable)")
	verify.RunE = withComplianceApp(s, func(ctx context.Context, a *app.App) error {
		out, errOut := verify.OutOrStdout(), verify.ErrOrStderr()
		opt := journal.VerifyOptions{}
		pinned := keyArg != ""
		if pinned {
			k, err := journal.PublicKey(keyArg)
			if err != nil {
				return err
			}
			opt.Key = k
		} else if a.Journal.VerifierKey() == "" {
			return fmt.Errorf("the journal's key file %s is missing: give the public key you keep elsewhere with --key", a.JournalKeyFile())
		}
		for _, p := range priorArgs {
			n, err := fetchCheckpoint(ctx, p)
			if err != nil {
				return err
			}
			opt.Prior = append(opt.Prior, journal.Prior{Label: "the checkpoint from " + p, Note: n})
		}
		last := int64(-1)
		opt.Progress = func(done, total int64) {
			if pct := done * 100 / max(total, 1); pct/10 != last/10 {
				last = pct
				fmt.Fprintf(errOut, "\rverifying: %d of %d entries (%d%%)", done, total, pct)
			}
		}
		rep, err := a.Journal.VerifyWith(ctx, opt)
		fmt.Fprintln(errOut)
		if err != nil {
			return err
		}
		key := opt.Key
		if key == "" {
			key = a.Journal.VerifierKey()
		}
		fmt.Fprintf(out, "entries: %d\nroot: %s\ncheckpoints: %d\npurged by retention (on record): %d\nverifier key: %s\n",
			rep.Entries, rep.Root, rep.Checkpoints, rep.Purged, key)
		for _, p := range rep.Priors {
			fmt.Fprintf(out, "extends: %s\n", p)
		}
		if !pinned {
			fmt.Fprintf(out, "warning: checked with the key file on this machine (%s), not a pinned key: pass --key\n", a.JournalKeyFile())
		}
		if len(priorArgs) == 0 {
			fmt.Fprintln(out, "warning: no checkpoint kept elsewhere was given (--checkpoint): a journal cut back together with this machine's copy would pass")
		}
		if !rep.OK() {
			if rep.FirstBroken > 0 {
				fmt.Fprintf(out, "BROKEN at entry %d: %s\n", rep.FirstBroken, rep.Problem)
			} else {
				fmt.Fprintf(out, "BROKEN: %s\n", rep.Problem)
			}
			return errors.New("the journal does not verify")
		}
		fmt.Fprintln(out, "OK: the journal is complete and unaltered")
		return nil
	})
	return verify
}

// fetchCheckpoint reads a signed checkpoint from a file or an http(s) URL.
func fetchCheckpoint(ctx context.Context, where string) (string, error) {
	const limit = 1 << 20
	var b []byte
	if strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://") {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
		if err != nil {
			return "", fmt.Errorf("checkpoint %s: %w", where, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", fmt.Errorf("checkpoint %s: %w", where, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("checkpoint %s: %s", where, resp.Status)
		}
		if b, err = io.ReadAll(io.LimitReader(resp.Body, limit)); err != nil {
			return "", fmt.Errorf("checkpoint %s: %w", where, err)
		}
	} else {
		var err error
		if b, err = os.ReadFile(where); err != nil {
			return "", fmt.Errorf("checkpoint: %w", err)
		}
	}
	n, err := journal.ParseCheckpoint(b)
	if err != nil {
		return "", fmt.Errorf("checkpoint %s: %w", where, err)
	}
	return n, nil
}

func checkpointCmd(s *settings) *cobra.Command {
	var outFile string
	checkpoint := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign the journal's current tree head now and print it (or write it with --out) for keeping elsewhere",
		Args:  cobra.NoArgs,
	}
	checkpoint.Flags().StringVar(&outFile, "out", "", "Write the signed checkpoint to this file instead of printing it")
	checkpoint.RunE = withComplianceApp(s, func(ctx context.Context, a *app.App) error {
		cp, err := a.Journal.Checkpoint(ctx)
		if errors.Is(err, journal.ErrNoSigningKey) {
			return fmt.Errorf("the journal's key file %s is missing: restore it to sign checkpoints", a.JournalKeyFile())
		}
		if err != nil {
			return err
		}
		if cp.Size == 0 {
			return errors.New("the journal is empty: there is nothing to sign yet")
		}
		fmt.Fprintf(checkpoint.ErrOrStderr(), "checkpoint: %d entries, root %s, signed %s\n", cp.Size, cp.Root, cp.At.Format(time.RFC3339))
		if outFile == "" {
			_, err = io.WriteString(checkpoint.OutOrStdout(), cp.Note)
			return err
		}
		if err := os.WriteFile(outFile, []byte(cp.Note), 0o644); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		return nil
	})
	return checkpoint
}

func keyCmd(s *settings) *cobra.Command {
	key := &cobra.Command{
		Use:   "key",
		Short: "Print the journal's public key, to keep apart from the server and pass to verify-journal --key",
		Args:  cobra.NoArgs,
	}
	key.RunE = withComplianceApp(s, func(ctx context.Context, a *app.App) error {
		k := a.Journal.VerifierKey()
		if k == "" {
			return fmt.Errorf("the journal's key file %s is missing", a.JournalKeyFile())
		}
		_, err := fmt.Fprintln(key.OutOrStdout(), k)
		return err
	})
	return key
}

func verifyRecordsCmd(s *settings) *cobra.Command {
	records := &cobra.Command{
		Use:   "verify-records",
		Short: "Compare the live messages, their earlier versions, channels, members and the audit log with what the journal recorded; name every mismatch",
		Long: "Compares every message, message version, channel and channel member in the tables (what people see)\n" +
			"with what the journal committed to, and names each mismatch: the message (or channel, member), the version,\n" +
			"the journal entry, and what differs\n" +
			"(content changed, row missing, row without journal entry, deletion or author changed). Run verify-journal\n" +
			"first: this command trusts the journal's entries and checks the tables against them.",
		Args: cobra.NoArgs,
	}
	records.RunE = withComplianceApp(s, func(ctx context.Context, a *app.App) error {
		out := records.OutOrStdout()
		rep, err := a.Journal.CheckRecords(ctx, a.Chat)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "messages: %d\nversions: %d\npurged on record (presence checked only): %d\nchannels: %d\n",
			rep.Messages, rep.Versions, rep.Purged, rep.Channels)
		for _, m := range rep.Mismatches {
			fmt.Fprintf(out, "MISMATCH %s\n", m)
		}
		if !rep.OK() {
			return fmt.Errorf("%d places where the tables disagree with the journal", len(rep.Mismatches))
		}
		fmt.Fprintln(out, "OK: the messages, their versions, the channels and their members agree with the journal")
		// The audit trail: every row against the journal entry that
		// committed to it.
		arep, err := a.Journal.CheckAuditTrail(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "audit entries: %d\naudit entries purged on record (presence checked only): %d\n", arep.Entries, arep.Purged)
		for _, m := range arep.Mismatches {
			fmt.Fprintf(out, "MISMATCH %s\n", m)
		}
		if !arep.OK() {
			return fmt.Errorf("%d places where the audit log disagrees with the journal", len(arep.Mismatches))
		}
		fmt.Fprintln(out, "OK: the audit log agrees with the journal")
		return nil
	})
	return records
}
