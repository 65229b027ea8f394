package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeExchangeRatesConfig: the configuration file's exchangeRates
// are the server's rates at start, shown with source "config"; a rate
// set through the API for the same currency and month wins; a bad rate
// in the file stops the server at once, naming the file and the field.
func TestServeExchangeRatesConfig(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "tally.json")
	os.WriteFile(config, []byte(`{"sources":[],"exchangeRates":{"2024-03":{"EUR":"1.0825","NOK":0.0921}}}`), 0o644)
	base, _ := startServer(t, "serve", "--db", filepath.Join(dir, "t.duckdb"), "--addr", "127.0.0.1:0", "--no-auth", "--config", config)
	code, body := fetch(t, base+"api/v1/exchange-rates")
	if code != 200 || !strings.Contains(body, `"currency": "EUR",
      "usd": "1.0825",
      "source": "config"`) {
		t.Fatalf("rates of the configuration file: %d %s", code, body)
	}
	req, _ := http.NewRequest("PUT", base+"api/v1/exchange-rates/2024-03", strings.NewReader(`{"rates":{"EUR":"1.1"}}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("PUT: %d", res.StatusCode)
	}
	_, body = fetch(t, base+"api/v1/exchange-rates")
	if !strings.Contains(body, `"usd": "1.1",
      "source": "api"`) || !strings.Contains(body, `"usd": "0.0921",
      "source": "config"`) || strings.Contains(body, "1.0825") {
		t.Fatalf("after PUT, want the API's EUR and the file's NOK: %s", body)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"sources":[],"exchangeRates":{"2024-03":{"EUR":"-1"}}}`), 0o644)
	r := tallyWithin(t, 30*time.Second, "serve", "--db", filepath.Join(dir, "u.duckdb"), "--addr", "127.0.0.1:0", "--no-auth", "--config", bad)
	if r.code == 0 || !strings.Contains(r.stderr, "bad.json") || !strings.Contains(r.stderr, "exchangeRates.2024-03.EUR") {
		t.Fatalf("a bad rate in the file: exit %d, stderr %s", r.code, r.stderr)
	}
}
