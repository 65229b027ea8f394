package secret

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	red := NewRedactor("LITERALSECRETVALUE")
	h := NewHandler(slog.NewJSONHandler(&buf, nil), red)
	if NewHandler(h, red) != h {
		t.Error("wrapping a redacting handler with the same redactor again should return it")
	}
	log := slog.New(h).With("config", "sas_token=attached", "n", 3).WithGroup("run")
	err := fmt.Errorf("mirror: %w", errors.New(`Get "https://a.blob.core.windows.net/c?sig=INURL": refused`))
	log.Error("failed with LITERALSECRETVALUE", "err", err, "where", stringer{"https://h/p?sig=STRINGER"},
		"ids", []int64{1, 2}, slog.Group("g", "inner", "account_key=INGROUP"), "dump", map[string]string{"k": "LITERALSECRETVALUE"})
	out := buf.String()
	for _, leak := range []string{"LITERALSECRETVALUE", "INURL", "STRINGER", "INGROUP", "attached"} {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %s: %s", leak, out)
		}
	}
	// Values without secrets keep their types.
	for _, want := range []string{`"n":3`, `"ids":[1,2]`, `"msg":"failed with [REDACTED]"`, `"err":"mirror: Get \"https://a.blob.core.windows.net/c?[REDACTED]\": refused"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
}
