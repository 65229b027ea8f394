package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/tally-cost/tally/internal/server"
	"github.com/tally-cost/tally/internal/store/duckdb"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	db := fs.String("db", "tally.duckdb", "DuckDB file to serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := duckdb.Open(ctx, *db, duckdb.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	return serve(ctx, st, *addr, stdout)
}

func serve(ctx context.Context, st *duckdb.Store, addr string, stdout io.Writer) error {
	log := slog.Default()
	h := server.Handler(server.Config{Store: st, Logger: log})
	return server.Serve(ctx, addr, h, log, func(a net.Addr) {
		fmt.Fprintf(stdout, "Tally is serving on http://%s/\n", a)
	})
}
