package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

func openapiCmd(s *settings) *cobra.Command {
	return &cobra.Command{
		Use:   "openapi",
		Short: "Print the OpenAPI 3.1 document of the API (docs/openapi.json) without starting a server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := openapiDocument(cmd.Context(), s)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
}

// openapiDocument builds the API on a throwaway SQLite database and
// returns its OpenAPI document, indented, with a final newline.
func openapiDocument(ctx context.Context, s *settings) ([]byte, error) {
	dir, err := os.MkdirTemp("", "kontor-openapi-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := *s
	tmp.DatabaseURL, tmp.DataDir = "", dir
	log := slog.New(slog.DiscardHandler)
	cfg, err := tmp.appConfig()
	if err != nil {
		return nil, err
	}
	cfg.Search = true
	a, err := app.Open(ctx, cfg, log, nil)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	srv := a.Server(httpapi.Options{Log: log, Version: "v1"})
	b, err := json.MarshalIndent(srv.API().OpenAPI(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
