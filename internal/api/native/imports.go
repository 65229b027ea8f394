package native

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/ingest"
	"github.com/tally-cost/tally/internal/ingest/tabular"
	"github.com/tally-cost/tally/internal/secret"
	"github.com/tally-cost/tally/internal/tenant"
)

// ImportPath is the upload endpoint: the server's guard gives it the
// upload limits (Limits.MaxUpload, Limits.UploadTimeout) instead of the
// request limits.
const ImportPath = "/api/v1/imports"

// Importer ingests bill files into the cost store: ingest.Run over the
// server's store, as `tally ingest` runs it.
type Importer func(ctx context.Context, paths []string, opt ingest.Options) (*ingest.Summary, error)

// SetImports mounts the upload endpoint: run ingests, and uploads are
// kept under dir (the store's private folder; "" is the system's
// temporary folder) while they are read. Without it POST /api/v1/imports
// answers 501.
func (a *API) SetImports(run Importer, dir string) { a.importer, a.importDir = run, dir }

func (a *API) registerImports(mux *http.ServeMux) {
	mux.HandleFunc("POST "+ImportPath, a.handle(a.upload))
}

// importParams are the query parameters of an upload; any other is a
// 400, so that a misspelt one never silently does nothing.
var importParams = []string{"provider", "source", "name", "format"}

type importJSON struct {
	Source    string         `json:"source"`
	Provider  string         `json:"provider"`
	File      string         `json:"file"`
	Bytes     int64          `json:"bytes"`
	Rows      int64          `json:"rows"`
	Snapshots []snapshotJSON `json:"snapshots"`
	// KnownRuns counts export runs of an uploaded archive that were
	// already imported and left alone.
	KnownRuns int `json:"knownRuns"`
}

// upload ingests the request body, one bill file, as `tally ingest
// --source S --provider P FILE` does, and answers the snapshots it
// created. It is synchronous: the import is atomic (a failure leaves the
// previous snapshots visible) and its answer is either the snapshots or
// the error naming file, line and column; the browser shows the upload's
// own progress while the body is sent. A client that goes away cancels
// the import, which then changes nothing.
func (a *API) upload(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	// A bill holds the accounts of every tenant it covers, so only
	// administrators of the whole data may load one.
	if err := p.RequireWhole(tenant.Administer, "administrators", "upload bills"); err != nil {
		return nil, err
	}
	if a.importer == nil {
		return nil, apierr.New(http.StatusNotImplemented, "uploads are not enabled on this server")
	}
	opt, name, err := a.importOptions(r)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(a.importDir, "upload-")
	if err != nil {
		return nil, fmt.Errorf("keeping the upload: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, name)
	n, err := spool(file, r.Body)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, apierr.New(http.StatusBadRequest, "the request body is empty: send the bill file as the body")
	}
	prefix := dir + string(filepath.Separator)
	opt.Rename = func(s string) string { return strings.TrimPrefix(s, prefix) }
	opt.Logger = a.log
	sum, err := a.importer(r.Context(), []string{file}, opt)
	if err != nil {
		return nil, importError(err, prefix)
	}
	out := importJSON{Source: sum.Source, Provider: sum.Provider, File: name, Bytes: n, Rows: sum.Rows,
		Snapshots: make([]snapshotJSON, len(sum.Snapshots)), KnownRuns: sum.KnownRuns}
	ids := make([]string, len(sum.Snapshots))
	for i, s := range sum.Snapshots {
		out.Snapshots[i] = snapshotOut(s)
		ids[i] = fmt.Sprint(s.ID)
	}
	detail := fmt.Sprintf("upload provider=%s file=%s rows=%d snapshots=%s", opt.Provider, name, sum.Rows, strings.Join(ids, ","))
	if err := a.tenants.Record(r.Context(), p, "import", "source", opt.Source, detail); err != nil {
		return nil, err
	}
	return created{out}, nil
}

// importOptions reads the query parameters of an upload.
func (a *API) importOptions(r *http.Request) (ingest.Options, string, error) {
	v := r.URL.Query()
	for k := range v {
		if !slices.Contains(importParams, k) {
			return ingest.Options{}, "", apierr.New(http.StatusBadRequest, fmt.Sprintf("unknown parameter %q (want %s)", k, strings.Join(importParams, ", ")))
		}
	}
	opt := ingest.Options{Source: strings.TrimSpace(v.Get("source")), Provider: v.Get("provider")}
	if !slices.Contains(ingest.Providers, opt.Provider) {
		return opt, "", apierr.New(http.StatusBadRequest, fmt.Sprintf("provider: %q is not one of %s", opt.Provider, strings.Join(ingest.Providers, ", ")))
	}
	if opt.Source == "" {
		return opt, "", apierr.New(http.StatusBadRequest, "source: name the billing source the file belongs to; uploading a period of the same source again replaces it")
	}
	// Source names are shown by every dialect and in the audit log: as
	// the API's other names, at most 255 characters and no control ones.
	if utf8.RuneCountInString(opt.Source) > 255 || strings.ContainsFunc(opt.Source, unicode.IsControl) {
		return opt, "", apierr.New(http.StatusBadRequest, "source: a name of at most 255 characters, without control characters")
	}
	if a.sources != nil {
		for _, s := range a.sources.Specs() {
			if s.Name == opt.Source {
				// The pipeline would replace the upload with its own
				// files on its next run.
				return opt, "", apierr.New(http.StatusConflict, fmt.Sprintf("source %q is a configured source, whose files come from its location; upload under another source name", opt.Source))
			}
		}
	}
	f, err := tabular.ParseFormat(v.Get("format"))
	if err != nil {
		return opt, "", apierr.New(http.StatusBadRequest, "format: "+err.Error())
	}
	opt.Format = f
	name, err := uploadName(v.Get("name"))
	return opt, name, err
}

// uploadName checks the file name the client sends (the browser's
// File.name): its extension says how to read the file (.csv, .gz,
// .parquet, .zip, .tar.gz ...), and errors and snapshots call the file
// by it. Only a base name is kept.
func uploadName(s string) (string, error) {
	if s == "" {
		return "upload.csv", nil
	}
	base := path.Base(strings.ReplaceAll(s, `\`, "/"))
	if base == "." || base == "/" || base == ".." || strings.HasPrefix(base, ".") || strings.ContainsAny(base, "\x00*?[") {
		return "", apierr.New(http.StatusBadRequest, fmt.Sprintf("name: %q is not a file name", s))
	}
	return base, nil
}

// spool writes body to file and returns its size.
func spool(file string, body io.Reader) (int64, error) {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("keeping the upload: %w", err)
	}
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return n, apierr.New(http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than this server's upload limit of %d bytes; configure a source or run tally ingest for bills this size", mbe.Limit))
	case err != nil:
		return n, fmt.Errorf("reading the upload: %w", err)
	}
	return n, nil
}

// importError makes an import's failure a client error when the file is
// at fault (a row or header that does not parse, damaged compression, an
// archive without a bill), with the temporary folder left out of its
// message; the store's own failures stay server errors.
func importError(err error, prefix string) error {
	var pe *tabular.ParseError
	st, msg := apierr.Status(err), apierr.Message(err)
	if errors.As(err, &pe) || errors.Is(err, ingest.ErrNoFiles) || errors.Is(err, tabular.ErrCorruptGzip) {
		st, msg = http.StatusBadRequest, secret.Redact(err.Error())
	}
	if st >= 500 {
		return err
	}
	return apierr.New(st, "the file was not imported (the previous data is unchanged): "+strings.ReplaceAll(msg, prefix, ""))
}
