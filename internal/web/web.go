// Package web is Tally's embedded user interface: static files served
// from the binary, so that no Node toolchain is needed to build Tally.
package web

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Options are what the UI must know of the server before it signs in.
type Options struct {
	// NoAuth: the server serves every request without a key (the demo),
	// so the UI skips its sign-in page.
	NoAuth bool `json:"noAuth"`
}

// Handler serves the UI, and at /ui-config.json the options: the UI
// reads them instead of probing /api/v1/me without a key, whose 401 a
// browser logs as a console error on every first visit.
func Handler(opts Options) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	config, err := json.Marshal(opts)
	if err != nil {
		panic(err) // a struct of booleans always encodes
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ui-config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(config)
	})
	mux.Handle("/", http.FileServerFS(sub))
	return mux
}
