package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/search"
)

func searchCmd(s *settings) *cobra.Command {
	c := &cobra.Command{Use: "search", Short: "Look after the search index"}
	var url, token string
	reindex := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index from the database, with a progress bar",
		Long: "With the server stopped, rebuilds the index here. With the server running (it holds the index), " +
			"asks the server to rebuild it while it keeps answering searches: give an admin's API token (scopes write and admin) with " +
			"--token or KONTOR_TOKEN.",
		Args: cobra.NoArgs,
	}
	reindex.Flags().StringVar(&url, "url", "", "the running server (default: http:// plus --addr)")
	reindex.Flags().StringVar(&token, "token", os.Getenv("KONTOR_TOKEN"), "an admin's personal API token, for a running server")
	reindex.RunE = func(cmd *cobra.Command, _ []string) error {
		out := cmd.ErrOrStderr()
		a, err := openApp(cmd.Context(), s, func(c *app.Config) { c.Search = true })
		if err != nil && strings.Contains(err.Error(), "in use by another Kontor process") {
			if url == "" {
				url = "http://" + s.Addr
			}
			return reindexRemote(cmd.Context(), out, url, token)
		}
		if err != nil {
			return err
		}
		defer a.Close()
		err = a.Search.Reindex(cmd.Context(), func(p search.Progress) { bar(out, p) })
		fmt.Fprintln(out)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), "search index rebuilt")
		return nil
	}
	c.AddCommand(reindex)
	return c
}

// bar draws a progress bar on one line.
func bar(w io.Writer, p search.Progress) {
	const width = 30
	frac := 1.0
	if p.Head > 0 {
		frac = min(1, float64(p.Seq)/float64(p.Head))
	}
	n := int(frac * width)
	fmt.Fprintf(w, "\r[%s%s] %3.0f%%  %d of %d journal entries", strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, p.Seq, p.Head)
}

// reindexRemote asks a running server to rebuild and follows its progress.
func reindexRemote(ctx context.Context, out io.Writer, base, token string) error {
	if token == "" {
		return errors.New("the server is running and holds the index: pass an admin's API token with --token or KONTOR_TOKEN to rebuild through it")
	}
	call := func(method, path string, v any) error {
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("reach the server at %s: %w", base, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			var p struct{ Detail string }
			_ = json.Unmarshal(b, &p)
			return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, p.Detail)
		}
		if v != nil {
			return json.Unmarshal(b, v)
		}
		return nil
	}
	if err := call(http.MethodPost, "/api/v1/search/index/rebuild", nil); err != nil {
		return err
	}
	for {
		var st search.IndexStatus
		if err := call(http.MethodGet, "/api/v1/search/index", &st); err != nil {
			return err
		}
		bar(out, st.Reindex.Progress)
		if !st.Reindex.Running {
			fmt.Fprintln(out)
			if st.Reindex.Error != "" {
				return fmt.Errorf("rebuild failed on the server: %s", st.Reindex.Error)
			}
			fmt.Fprintf(out, "search index rebuilt by the server: %d documents\n", st.Documents)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
