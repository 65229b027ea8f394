package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/tenant"
)

// Dialect is what the server needs of an API dialect to guard it: where
// it lives, which of its paths are public, how it renders an error, and
// the per-key rate limits it defines.
type Dialect struct {
	Prefix string
	// Public paths (exact) are served without a key: documents such as
	// the OpenAPI description.
	Public []string
	Error  func(w http.ResponseWriter, r *http.Request, err error)
	Rates  []RateLimit
	// Uploads are paths (exact) whose POST body is a file: they get
	// Limits.MaxUpload and Limits.UploadTimeout instead of MaxBody and
	// Timeout.
	Uploads []string
}

// Limits bound what one request may cost.
type Limits struct {
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// MaxURI is the longest request URI accepted (CloudHealth's 4,000).
	MaxURI int
	// Timeout bounds the handling of one request.
	Timeout time.Duration
	// MaxUpload and UploadTimeout bound a bill uploaded to a dialect's
	// Uploads path: it is read and imported within the request.
	MaxUpload     int64
	UploadTimeout time.Duration
}

// DefaultLimits are the limits of a server whose Config leaves them zero.
var DefaultLimits = Limits{MaxBody: 10 << 20, MaxURI: 4000, Timeout: time.Minute, MaxUpload: 1 << 30, UploadTimeout: 30 * time.Minute}

func (l Limits) withDefaults() Limits {
	if l.MaxBody == 0 {
		l.MaxBody = DefaultLimits.MaxBody
	}
	if l.MaxURI == 0 {
		l.MaxURI = DefaultLimits.MaxURI
	}
	if l.Timeout == 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.MaxUpload == 0 {
		l.MaxUpload = DefaultLimits.MaxUpload
	}
	if l.UploadTimeout == 0 {
		l.UploadTimeout = DefaultLimits.UploadTimeout
	}
	return l
}

// credentials returns the key a request carries, in the forms clients of
// the dialects send: "Authorization: Bearer KEY" (the guide, Go SDKs),
// "Authorization: Token KEY" (Django REST Framework clients), a bare key
// in Authorization (one CloudHealth Go client), X-Auth-Token (CloudKitty
// and every OpenStack client) and the api_key query parameter
// (CloudHealth clients). When a header authenticates, an api_key naming
// something else is the CloudHealth partner quirk: a customer's
// client_api_id, returned as actFor.
func credentials(r *http.Request) (key, actFor string) {
	q := r.URL.Query().Get("api_key")
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		switch {
		case ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Token")):
			key = strings.TrimSpace(rest)
		case !ok:
			key = h
		default:
			key = h // an unknown scheme: fails as a bad key, not as none
		}
	} else if h := strings.TrimSpace(r.Header.Get("X-Auth-Token")); h != "" {
		key = h
	}
	if key == "" {
		return q, ""
	}
	if q != "" && q != key {
		return key, q
	}
	return key, ""
}

// guard authenticates requests to a dialect and applies the limits; the
// principal it attaches is what the engine scopes every query by.
type guard struct {
	tenants *tenant.Service
	noAuth  bool
	limits  Limits
	rates   *rateLimiter
}

func (g *guard) wrap(d Dialect, next http.Handler) http.Handler {
	public := map[string]bool{}
	for _, p := range d.Public {
		public[p] = true
	}
	uploads := map[string]bool{}
	for _, p := range d.Uploads {
		uploads[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.limits.MaxURI > 0 && len(r.RequestURI) > g.limits.MaxURI {
			d.Error(w, r, apierr.New(http.StatusRequestURITooLong, fmt.Sprintf("request URI longer than %d characters", g.limits.MaxURI)))
			return
		}
		if err := checkUTF8(r); err != nil {
			d.Error(w, r, err)
			return
		}
		if public[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		p, err := g.principal(r)
		if err != nil {
			d.Error(w, r, err)
			return
		}
		if err := g.rates.allow(d, r, p); err != nil {
			d.Error(w, r, err)
			return
		}
		maxBody, timeout := g.limits.MaxBody, g.limits.Timeout
		if r.Method == http.MethodPost && uploads[r.URL.Path] {
			maxBody, timeout = g.limits.MaxUpload, g.limits.UploadTimeout
		}
		if maxBody > 0 {
			if r.ContentLength > maxBody {
				d.Error(w, r, apierr.New(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBody)))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		ctx := tenant.WithPrincipal(r.Context(), p)
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// principal authenticates r and narrows it to a partner customer when it
// names one (client_api_id, or the api_key quirk).
func (g *guard) principal(r *http.Request) (*tenant.Principal, error) {
	key, actFor := credentials(r)
	var p *tenant.Principal
	if g.noAuth {
		p, actFor = tenant.NoAuth, ""
	} else {
		var err error
		if p, err = g.tenants.Authenticate(key); err != nil {
			return nil, err
		}
	}
	if c := r.URL.Query().Get("client_api_id"); c != "" {
		actFor = c
	}
	if actFor == "" {
		return p, nil
	}
	q, err := g.tenants.ActFor(p, actFor)
	if errors.Is(err, tenant.ErrInvalid) && r.URL.Query().Get("client_api_id") == "" {
		// An api_key beside a header that is not a customer id: the header
		// authenticates and the parameter is ignored.
		return p, nil
	}
	return q, err
}
