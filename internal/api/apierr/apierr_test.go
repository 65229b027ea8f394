package apierr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
	"github.com/tally-cost/tally/internal/errkind"
	"github.com/tally-cost/tally/internal/pipeline"
	"github.com/tally-cost/tally/internal/registry"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/tenant"
)

func TestMessage(t *testing.T) {
	f := func(err error, want string) {
		t.Helper()
		if got := Message(err); got != want {
			t.Errorf("Message(%v) = %q, want %q", err, got, want)
		}
	}
	f(fmt.Errorf("%w: window: bad", cost.ErrInvalid), "invalid: window: bad")
	// A client's message can quote what it sent: credentials are removed.
	f(New(http.StatusBadRequest, `invalid source: url "https://a.blob.core.windows.net/c?sig=SENT" with sas_token=SENT2`),
		`invalid source: url "https://a.blob.core.windows.net/c?[REDACTED]" with sas_token=[REDACTED]`)
	f(errors.New("disk on fire at https://h/p?sig=x"), "internal error; see the server log")
	f(New(http.StatusNotImplemented, "no pipeline is configured on this server"), "no pipeline is configured on this server")
}

// TestStatusByKind: every domain sentinel answers its status through its
// errkind, wrapped or not; apierr itself names no domain package.
func TestStatusByKind(t *testing.T) {
	f := func(err error, want int) {
		t.Helper()
		for _, e := range []error{err, fmt.Errorf("context: %w", err), fmt.Errorf("%w: and %w", err, errors.New("more"))} {
			if got := Status(e); got != want {
				t.Errorf("Status(%v) = %d, want %d", e, got, want)
			}
		}
	}
	f(cost.ErrInvalid, http.StatusBadRequest)
	f(tenant.ErrInvalid, http.StatusBadRequest)
	f(registry.ErrInvalid, http.StatusBadRequest)
	f(pipeline.ErrInvalid, http.StatusBadRequest)
	f(tenant.ErrUnauthenticated, http.StatusUnauthorized)
	f(tenant.ErrBadCredentials, http.StatusUnauthorized)
	f(tenant.ErrForbidden, http.StatusForbidden)
	f(tenant.ErrNotFound, http.StatusNotFound)
	f(store.ErrNotFound, http.StatusNotFound)
	f(registry.ErrNotFound, http.StatusNotFound)
	f(pipeline.ErrUnknownSource, http.StatusNotFound)
	f(tenant.ErrConflict, http.StatusConflict)
	f(store.ErrConflict, http.StatusConflict)
	f(registry.ErrExists, http.StatusConflict)
	f(registry.ErrInUse, http.StatusConflict)
	f(errkind.Invalid.New("a new domain's error"), http.StatusBadRequest)
	f(errors.New("unclassified"), http.StatusInternalServerError)
	// The first kind in the old order wins when an error carries two.
	f(fmt.Errorf("%w: %w", tenant.ErrInvalid, tenant.ErrForbidden), http.StatusForbidden)
}
