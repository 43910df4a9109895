package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/migrations"
	"github.com/kontorhq/kontor/modules/platform/db"
)

func migrateCmd(s *settings) *cobra.Command {
	c := &cobra.Command{Use: "migrate", Short: "Apply or inspect database migrations"}
	c.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every migration not applied yet",
		Args:  cobra.NoArgs,
		RunE: withDB(s, func(cmd *cobra.Command, d *db.DB) error {
			applied, err := d.Migrate(cmd.Context(), migrations.FS)
			for _, m := range applied {
				fmt.Fprintf(cmd.OutOrStdout(), "applied %04d %s\n", m.Version, m.Name)
			}
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "database is up to date")
			}
			return nil
		}),
	})
	c.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List migrations and when each was applied",
		Args:  cobra.NoArgs,
		RunE: withDB(s, func(cmd *cobra.Command, d *db.DB) error {
			ms, err := d.MigrationStatus(cmd.Context(), migrations.FS)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "VERSION\tNAME\tAPPLIED\n")
			for _, m := range ms {
				at := "pending"
				if !m.AppliedAt.IsZero() {
					at = m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
				}
				fmt.Fprintf(w, "%04d\t%s\t%s\n", m.Version, m.Name, at)
			}
			return w.Flush()
		}),
	})
	return c
}

// withDB runs fn with the configured database open, and closes it after.
func withDB(s *settings, fn func(*cobra.Command, *db.DB) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		d, err := openDB(cmd, s)
		if err != nil {
			return err
		}
		defer d.Close()
		return fn(cmd, d)
	}
}

func openDB(cmd *cobra.Command, s *settings) (*db.DB, error) {
	return db.Open(cmd.Context(), s.DatabaseURL, s.DataDir, db.Options{MaxConns: 2})
}
