package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// withApp opens the database and modules for a command-line action.
func withApp(s *settings, fn func(ctx context.Context, a *app.App) error, tweaks ...func(*app.Config)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		a, err := openApp(cmd.Context(), s, tweaks...)
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(cliContext(cmd.Context()), a)
	}
}

// readPassword reads one line from stdin, for --password-stdin.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func parseRoles(args []string) ([]authn.Role, error) {
	var out []authn.Role
	for _, a := range args {
		for _, r := range strings.Split(a, ",") {
			r = strings.TrimSpace(r)
			switch authn.Role(r) {
			case authn.RoleAdmin, authn.RoleCompliance:
				out = append(out, authn.Role(r))
			case authn.RoleMember:
			default:
				return nil, fmt.Errorf("unknown role %q: use admin, compliance or member", r)
			}
		}
	}
	return out, nil
}

func userCmd(s *settings) *cobra.Command {
	c := &cobra.Command{Use: "user", Short: "Manage accounts (acts as \"cli\" in the audit log)"}

	var nu identity.NewUser
	var roles []string
	var pwStdin bool
	create := &cobra.Command{
		Use:   "create USERNAME",
		Short: "Create a local account; prints the password when Kontor makes one",
		Args:  cobra.ExactArgs(1),
	}
	create.Flags().StringVar(&nu.DisplayName, "display-name", "", "display name")
	create.Flags().StringVar(&nu.Email, "email", "", "e-mail address")
	create.Flags().StringVar(&nu.Department, "department", "", "department")
	create.Flags().StringVar(&nu.Title, "title", "", "job title")
	create.Flags().StringSliceVar(&roles, "role", nil, "role: admin, compliance (repeatable)")
	create.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
	create.RunE = func(cmd *cobra.Command, args []string) error {
		return withApp(s, func(ctx context.Context, a *app.App) error {
			nu.Username = args[0]
			var err error
			if nu.Roles, err = parseRoles(roles); err != nil {
				return err
			}
			if pwStdin {
				if nu.Password, err = readPassword(cmd.InOrStdin()); err != nil {
					return err
				}
			}
			u, pw, err := a.Identity.CreateUser(ctx, nu)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created %s (%s)\n", u.Username, u.ID)
			if pw != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "password: %s\n", pw)
			}
			return nil
		})(cmd, args)
	}

	var all bool
	list := &cobra.Command{Use: "list", Short: "List accounts", Args: cobra.NoArgs}
	list.Flags().BoolVar(&all, "all", false, "include disabled accounts")
	list.RunE = withApp(s, func(ctx context.Context, a *app.App) error {
		q := identity.UserQuery{Limit: 200}
		if !all {
			q.Status = identity.StatusActive
		}
		w := tabwriter.NewWriter(list.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USERNAME\tDISPLAY NAME\tSTATUS\tSOURCE\tROLES")
		for {
			us, next, err := a.Identity.ListUsers(ctx, q)
			if err != nil {
				return err
			}
			for _, u := range us {
				rs := make([]string, len(u.Roles))
				for i, r := range u.Roles {
					rs[i] = string(r)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, u.Status, u.Source, strings.Join(rs, ","))
			}
			if next == "" {
				break
			}
			q.After = next
		}
		return w.Flush()
	})

	setStatus := func(use, status string) *cobra.Command {
		cmd := &cobra.Command{Use: use + " USERNAME", Short: strings.ToUpper(use[:1]) + use[1:] + " an account", Args: cobra.ExactArgs(1)}
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			return withApp(s, func(ctx context.Context, a *app.App) error {
				st := status
				u, err := a.Identity.UpdateUser(ctx, args[0], identity.UserPatch{Status: &st})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s is %s\n", u.Username, u.Status)
				return nil
			})(cmd, args)
		}
		return cmd
	}

	var resetStdin bool
	reset := &cobra.Command{Use: "reset-password USERNAME", Short: "Set a new password (made up unless --password-stdin) and end all sessions", Args: cobra.ExactArgs(1)}
	reset.Flags().BoolVar(&resetStdin, "password-stdin", false, "read the new password from standard input")
	reset.RunE = func(cmd *cobra.Command, args []string) error {
		return withApp(s, func(ctx context.Context, a *app.App) error {
			pw := ""
			if resetStdin {
				var err error
				if pw, err = readPassword(cmd.InOrStdin()); err != nil {
					return err
				}
				if pw == "" {
					return errors.New("no password on standard input")
				}
			}
			gen, err := a.Identity.ResetPassword(ctx, args[0], pw)
			if err != nil {
				return err
			}
			if gen != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "new password: %s\n", gen)
			} else {
				fmt.Fprintln(cmd.OutOrStdout(), "password changed")
			}
			return nil
		})(cmd, args)
	}

	setRole := &cobra.Command{Use: "set-role USERNAME ROLE...", Short: "Set an account's roles (admin, compliance; member alone removes both)", Args: cobra.MinimumNArgs(2)}
	setRole.RunE = func(cmd *cobra.Command, args []string) error {
		return withApp(s, func(ctx context.Context, a *app.App) error {
			rs, err := parseRoles(args[1:])
			if err != nil {
				return err
			}
			if rs == nil {
				rs = []authn.Role{}
			}
			u, err := a.Identity.UpdateUser(ctx, args[0], identity.UserPatch{Roles: &rs})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s now has roles %v\n", u.Username, u.Roles)
			return nil
		})(cmd, args)
	}

	c.AddCommand(create, list, setStatus("disable", identity.StatusDisabled), setStatus("enable", identity.StatusActive), reset, setRole)
	return c
}
