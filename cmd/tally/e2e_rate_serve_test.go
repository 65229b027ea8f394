package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestServeRunsTheProcessor: tally serve with a rating section rates
// the scopes of the ingested usage in the background, and the CloudKitty
// scope API shows their states.
func TestServeRunsTheProcessor(t *testing.T) {
	if testing.Short() {
		t.Skip("rates the current month")
	}
	now := time.Now().UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if now.Sub(monthStart) < 6*time.Hour {
		t.Skip("too early in the month for a period to be due")
	}
	dir := t.TempDir()
	bill, db := filepath.Join(dir, "cur.csv"), filepath.Join(dir, "t.duckdb")
	if res := tally(t, "gen", "--provider", "aws", "--rows", "2000", "--days", "1", "--start", monthStart.Format("2006-01-02"), "--out", bill); res.code != 0 {
		t.Fatalf("gen: %s", res.stderr)
	}
	if res := tally(t, "ingest", "--db", db, "--source", "cur", "--provider", "aws", bill); res.code != 0 {
		t.Fatalf("ingest: %s", res.stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.yml"), []byte(rateMetrics), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tally.json")
	if err := os.WriteFile(cfg, []byte(`{"rating": {"metrics": "metrics.yml", "collector": "tally"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t, "serve", "--db", db, "--addr", "127.0.0.1:0", "--no-auth", "--config", cfg)
	var got struct {
		Results []struct {
			ScopeID string  `json:"scope_id"`
			State   *string `json:"state"`
		} `json:"results"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := fetch(t, base+"cloudkitty/v2/scope")
		if code == 200 {
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Results) > 0 && got.Results[0].State != nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scope was rated within a minute: %d %s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("scope %s rated through %s", got.Results[0].ScopeID, *got.Results[0].State)
}
