package errkind

import (
	"errors"
	"fmt"
	"testing"
)

func TestKinds(t *testing.T) {
	errGone := NotFound.New("gone")
	errBad := Invalid.New("bad")
	wrapped := fmt.Errorf("snapshot 4: %w", errGone)
	f := func(err error, k *Kind, want bool) {
		t.Helper()
		if got := errors.Is(err, k); got != want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, k, got, want)
		}
	}
	f(errGone, NotFound, true)
	f(wrapped, NotFound, true)
	f(wrapped, Invalid, false)
	f(errBad, Invalid, true)
	f(fmt.Errorf("%w: field %w", errBad, errors.New("x")), Invalid, true)
	f(errors.New("plain"), Invalid, false)
	f(nil, Invalid, false)
	if !errors.Is(wrapped, errGone) || errors.Is(wrapped, NotFound.New("gone")) {
		t.Error("sentinels of one kind must stay distinct errors")
	}
	if errGone.Error() != "gone" || wrapped.Error() != "snapshot 4: gone" {
		t.Errorf("texts changed: %q, %q", errGone, wrapped)
	}
}
