package apierr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/tally-cost/tally/internal/cost"
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
}
