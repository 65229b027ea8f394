package cost

import (
	"errors"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got, err := ParseTime(in)
		if err != nil {
			t.Fatalf("ParseTime(%q): %v", in, err)
		}
		if g := got.Format(time.RFC3339Nano); g != want {
			t.Fatalf("ParseTime(%q) = %s, want %s", in, g, want)
		}
	}
	f("2023-06-01T00:00:00Z", "2023-06-01T00:00:00Z")
	f("2023-06-01T02:00:00+02:00", "2023-06-01T00:00:00Z")
	f("2024-01-01T00:00Z", "2024-01-01T00:00:00Z")
	f("2022-08-01 03:00:00+00:00", "2022-08-01T03:00:00Z")
	f("2022-08-01 03:00:00 UTC", "2022-08-01T03:00:00Z")
	f("2023-06-01 00:00:00", "2023-06-01T00:00:00Z")
	f("2022-07-01 00:00:00.000", "2022-07-01T00:00:00Z")
	f("2024-09-18 22:00:00", "2024-09-18T22:00:00Z")
	f("2019-07-29", "2019-07-29T00:00:00Z")
	f("09/21/2023", "2023-09-21T00:00:00Z")
	f("9/1/2023", "2023-09-01T00:00:00Z")
	f("\t2023-06-01 ", "2023-06-01T00:00:00Z")
	for _, bad := range []string{"", "yesterday", "2023-13-01", "31/12/2023"} {
		if _, err := ParseTime(bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseTime(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}
