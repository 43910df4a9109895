package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/internal/app"
)

func ldapCmd(s *settings) *cobra.Command {
	c := &cobra.Command{Use: "ldap", Short: "Check and sync the company directory"}

	var pwStdin bool
	test := &cobra.Command{
		Use:   "test [USERNAME]",
		Short: "Connect to the directory and show what Kontor sees for a user, step by step",
		Args:  cobra.MaximumNArgs(1),
	}
	test.Flags().BoolVar(&pwStdin, "password-stdin", false, "also check the user's password, read from standard input")
	test.RunE = func(cmd *cobra.Command, args []string) error {
		dir, err := s.directory()
		if err != nil {
			return err
		}
		if dir == nil {
			return errors.New("LDAP is not configured: set ldap-url (KONTOR_LDAP_URL) and ldap-user-base-dn")
		}
		username, password := "", ""
		if len(args) == 1 {
			username = args[0]
		}
		if pwStdin {
			if password, err = readPassword(cmd.InOrStdin()); err != nil {
				return err
			}
			if password == "" {
				return errors.New("empty password on standard input: an empty password is never sent to the directory")
			}
		}
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "directory: %s\n", dir.Describe())
		steps, e, err := dir.Test(cmd.Context(), username, password)
		for _, st := range steps {
			mark := "ok  "
			if !st.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(out, "%s %s", mark, st.What)
			if st.Info != "" {
				fmt.Fprintf(out, ": %s", st.Info)
			}
			fmt.Fprintln(out)
		}
		if err != nil {
			return fmt.Errorf("ldap test: %w", err)
		}
		if e.DN != "" {
			fmt.Fprintf(out, "\nusername:     %s\ndisplay name: %s\ne-mail:       %s\ndepartment:   %s\ntitle:        %s\nphone:        %s\npicture:      %d bytes\ndisabled:     %v\ngroups:       %v\n",
				e.Username, e.DisplayName, e.Email, e.Department, e.Title, e.Phone, len(e.Avatar), e.Disabled, e.GroupNames)
			for _, g := range []struct{ name, group string }{{"admin", s.LDAPAdminGroup}, {"compliance", s.LDAPComplianceGroup}} {
				if g.group != "" {
					fmt.Fprintf(out, "%-13s %v (group %s)\n", g.name+":", contains(e.GroupNames, e.Groups, g.group), g.group)
				}
			}
		}
		return nil
	}

	sync := &cobra.Command{Use: "sync", Short: "Sync accounts with the directory now", Args: cobra.NoArgs}
	sync.RunE = withApp(s, func(ctx context.Context, a *app.App) error {
		rep, err := a.Identity.SyncDirectory(ctx)
		fmt.Fprintf(sync.OutOrStdout(), "seen %d, created %d, updated %d, disabled %d, enabled %d, skipped %v\n",
			rep.Seen, rep.Created, rep.Updated, rep.Disabled, rep.Enabled, rep.Skipped)
		return err
	})
	c.AddCommand(test, sync)
	return c
}

func contains(names, dns []string, group string) bool {
	for _, l := range [][]string{names, dns} {
		for _, g := range l {
			if strings.EqualFold(g, group) {
				return true
			}
		}
	}
	return false
}
