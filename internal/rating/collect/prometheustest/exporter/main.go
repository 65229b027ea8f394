// Command exporter is the small exporter the Prometheus collector's
// integration tests scrape (package prometheustest holds its data). It
// lives under internal/ beside its data rather than in cmd/ because it
// is test infrastructure, never shipped: scripts/prometheus.sh builds
// and starts it.
//
//	exporter -openmetrics FILE     writes the backfill history and exits
//	exporter -listen ADDR -addr-file FILE
//	                               serves /metrics; ADDR may end in :0,
//	                               the address taken is written to FILE
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tally-cost/tally/internal/rating/collect/prometheustest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "exporter:", err)
		os.Exit(1)
	}
}

func run() error {
	om := flag.String("openmetrics", "", "write the history in OpenMetrics format to this file and exit")
	listen := flag.String("listen", "127.0.0.1:0", "address to serve /metrics on")
	addrFile := flag.String("addr-file", "", "file to write the address taken to (once listening)")
	flag.Parse()

	if *om != "" {
		f, err := os.Create(*om)
		if err != nil {
			return err
		}
		if err := prometheustest.WriteOpenMetrics(f); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", *om, err)
		}
		return f.Close()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheustest.Live{})
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *addrFile != "" {
		// Written to a temporary name and renamed, so that a reader
		// polling for the file never sees it half written.
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			return err
		}
	}
	slog.Info("serving /metrics", "addr", ln.Addr().String())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
