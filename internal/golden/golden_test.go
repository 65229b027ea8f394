package golden

import "testing"

func TestDiff(t *testing.T) {
	f := func(want, got, diff string) {
		t.Helper()
		if d := Diff(want, got); d != diff {
			t.Fatalf("Diff(%q, %q) = %q, want %q", want, got, d, diff)
		}
	}
	f("a\nb\nc", "a\nb\nc", "")
	f("a\nb\nc", "a\nx\nc", "-b\n+x\n")
	f("a\nc", "a\nb\nc", "+b\n")
	f("a\nb", "a", "-b\n")
}
