package ownedbook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tally-cost/tally/internal/budget"
	"github.com/tally-cost/tally/internal/savedreport"
	"github.com/tally-cost/tally/internal/store"
	"github.com/tally-cost/tally/internal/store/duckdb"
	"github.com/tally-cost/tally/internal/tenant"
)

// The documents as the code before this package wrote them (each
// package's own book): HTML-escaped and non-ASCII text, an empty list, a
// customer-owned item, a deleted id (nextId past the last key) and a
// clock with nanoseconds.
const (
	budgets = `{"version":1,"nextId":4,"budgets":{` +
		`"1":{"id":1,"name":"Team \u003cA\u003e \u0026 \"B\"","filter":"service:\"AmazonEC2\"","metric":"billed","amount":"1200.5","currency":"USD","thresholds":[50,80,100],"orgId":7,"createdAt":"2024-01-15T10:30:00.123456789Z","updatedAt":"2024-01-15T10:30:00.123456789Z"},` +
		`"3":{"id":3,"name":"Équipe ☃","filter":"","metric":"amortizedNet","amount":"0.0000000001","currency":"EUR","thresholds":[],"orgId":7,"customerId":3,"createdAt":"2024-01-15T10:30:00.123456789Z","updatedAt":"2024-01-15T10:30:00.123456789Z"}}}`
	reports = `{"version":1,"nextId":100000000004,"reports":{` +
		`"100000000001":{"id":100000000001,"name":"Costs \u003cby\u003e \u0026 \"account\"","query":"dimensions[]=AWS-Account\u0026measures[]=cost\u0026filters[]=AWS-Account:select:1,2","orgId":7,"createdAt":"2024-01-15T10:30:00.123456789Z","updatedAt":"2024-01-15T10:30:00.123456789Z"},` +
		`"100000000003":{"id":100000000003,"name":"Coûts ☃","query":"dimensions[]=time\u0026measures[]=cost\u0026interval=monthly","orgId":7,"customerId":3,"createdAt":"2024-01-15T10:30:00.123456789Z","updatedAt":"2024-01-15T10:30:00.123456789Z"}}}`
)

// TestPersistedDocuments: a document written before the books were
// shared opens, reads as it was written, and is written back byte for
// byte by a change that changes nothing; a new item is added beside the
// old ones in the same shape.
func TestPersistedDocuments(t *testing.T) {
	now := time.Date(2024, 1, 15, 10, 30, 0, 123456789, time.UTC)
	admin := tenant.WithPrincipal(context.Background(), tenant.NoAuth)
	orgA := tenant.WithPrincipal(context.Background(), &tenant.Principal{Role: tenant.RoleEditor, OrgID: 7})
	for _, c := range []struct {
		name, kind, doc, body string
		// open opens the book over st, checks what it lists and returns
		// a change that changes nothing and the creation of one more
		// item.
		open  func(t *testing.T, st store.DocStore) (same, add func() error)
		added string // the created item's member
	}{
		{
			name: "budgets", kind: "budget", doc: "budgets", body: budgets,
			open: func(t *testing.T, st store.DocStore) (same, add func() error) {
				b, err := budget.Open(context.Background(), st, func() time.Time { return now })
				if err != nil {
					t.Fatal(err)
				}
				list, err := b.List(admin)
				if err != nil || len(list) != 2 || list[0].Name != `Team <A> & "B"` || list[1].Name != "Équipe ☃" || list[1].CustomerID != 3 || list[1].Thresholds == nil {
					t.Fatalf("List = %+v, %v", list, err)
				}
				first := list[0]
				same = func() error {
					_, err := b.Update(orgA, first.ID, budget.Spec{Name: first.Name, Filter: first.Filter, Amount: first.Amount, Currency: first.Currency})
					return err
				}
				add = func() error {
					_, err := b.Create(orgA, budget.Spec{Name: "Next", Amount: "1", Currency: "USD"})
					return err
				}
				return same, add
			},
			added: `"4":{"id":4,"name":"Next","filter":"","metric":"billed","amount":"1","currency":"USD","thresholds":[50,80,100],"orgId":7,"createdAt":"2024-01-15T10:30:00.123456789Z","updatedAt":"2024-01-15T10:30:00.123456789Z"}`,
		},
		{
			name: "saved reports", kind: "savedreport", doc: "reports", body: reports,
			open: func(t *testing.T, st store.DocStore) (same, add func() error) {
				b, err := savedreport.Open(context.Background(), st, func() time.Time { return now })
				if err != nil {
					t.Fatal(err)
				}
				list, err := b.List(admin)
				if err != nil || len(list) != 2 || list[0].Name != `Costs <by> & "account"` || list[1].Name != "Coûts ☃" || list[1].CustomerID != 3 {
					t.Fatalf("List = %+v, %v", list, err)
				}
				first := list[0]
				same = func() error {
					_, err := b.Update(orgA, first.ID, first.Name, first.Query)
					return err
				}
				add = func() error {
					_, err := b.Create(orgA, "Next", "measures[]=cost")
					return err
				}
				return same, add
			},
			added: `"100000000004":{"id":100000000004,"name":"Next","query":"measures[]=cost","orgId":7,"createdAt":"2024-01-15T10:30:00.123456789Z","updatedAt":"2024-01-15T10:30:00.123456789Z"}`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := duckdb.Open(ctx, "", duckdb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if err := st.PutDocument(ctx, c.kind, c.doc, []byte(c.body)); err != nil {
				t.Fatal(err)
			}
			stored := func() string {
				t.Helper()
				docs, err := st.Documents(ctx, c.kind)
				if err != nil {
					t.Fatal(err)
				}
				return string(docs[c.doc])
			}
			same, add := c.open(t, st)
			if err := same(); err != nil {
				t.Fatal(err)
			}
			if got := stored(); got != c.body {
				t.Errorf("re-saved document:\n%s\nwant the document as it was:\n%s", got, c.body)
			}
			if err := add(); err != nil {
				t.Fatal(err)
			}
			// The next id is one more than the old nextId, whose digits
			// end in 4: 4 -> 5, 100000000004 -> 100000000005.
			want := strings.Replace(c.body, `4,"`+c.doc+`":{`, `5,"`+c.doc+`":{`, 1)
			want = strings.TrimSuffix(want, "}}") + "," + c.added + "}}"
			if got := stored(); got != want {
				t.Errorf("document after a create:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
