package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestExchangeRatesIsolation: exchange rates are global: every caller of
// the isolation world reads the same list, and only the default
// organization's administrator changes it; others get 403 in the native
// error format, whatever the body, and a bad month or rate is a 400
// naming the field.
func TestExchangeRatesIsolation(t *testing.T) {
	w := newWorld(t)
	put := func(caller, month, body string) (int, string) {
		t.Helper()
		key := w.keys[strings.Split(caller, "@")[0]]
		rec := send(w.h, http.MethodPut, "/api/v1/exchange-rates/"+month,
			map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}, body)
		return rec.Code, rec.Body.String()
	}
	nativeError := func(body string) (int, string) {
		t.Helper()
		var e struct {
			Error struct {
				Status  int    `json:"status"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("not the native error format: %s", body)
		}
		return e.Error.Status, e.Error.Message
	}
	for _, caller := range callers {
		if caller == "admin" {
			continue
		}
		for _, body := range []string{`{"rates":{"EUR":"1.08"}}`, `{"rates":{"EUR":"-1"}}`} {
			code, out := put(caller, "2024-03", body)
			if st, _ := nativeError(out); code != http.StatusForbidden || st != http.StatusForbidden {
				t.Errorf("PUT as %s: %d %s, want 403", caller, code, out)
			}
		}
		code, out := w.do(t, caller, http.MethodDelete, "/api/v1/exchange-rates/2024-03")
		if code != http.StatusForbidden {
			t.Errorf("DELETE as %s: %d %s, want 403", caller, code, out)
		}
	}
	for _, c := range []struct{ month, body, field string }{
		{"2024-03", `{"rates":{"EUR":0}}`, "rates.EUR"},
		{"2024-03", `{"rates":{"EUR":"-1.08"}}`, "rates.EUR"},
		{"2024-03", `{"rates":{"EUR":"a lot"}}`, "rates.EUR"},
		{"2024-03", `{"rates":{"EUR":"1.0000000000001"}}`, "rates.EUR"},
		{"2024-03", `{"rates":{"Euro":"1.08"}}`, "rates.Euro"},
		{"2024-3", `{"rates":{"EUR":"1.08"}}`, "month"},
		{"March", `{"rates":{"EUR":"1.08"}}`, "month"},
	} {
		code, out := put("admin", c.month, c.body)
		st, msg := nativeError(out)
		if code != http.StatusBadRequest || st != http.StatusBadRequest || !strings.Contains(msg, c.field) {
			t.Errorf("PUT %s %s: %d %s, want 400 naming %s", c.month, c.body, code, out, c.field)
		}
	}
	if code, out := put("admin", "2024-03", `{"rates":{"EUR":"1.0825"}}`); code != http.StatusOK {
		t.Fatalf("PUT as admin: %d %s", code, out)
	}
	_, want := w.do(t, "admin", http.MethodGet, "/api/v1/exchange-rates")
	if !strings.Contains(want, `"usd": "1.0825"`) {
		t.Fatalf("the administrator's list lacks the rate: %s", want)
	}
	for _, caller := range callers {
		if code, got := w.do(t, caller, http.MethodGet, "/api/v1/exchange-rates"); code != http.StatusOK || got != want {
			t.Errorf("GET as %s: %d %s, want the administrator's %s", caller, code, got, want)
		}
	}
}
