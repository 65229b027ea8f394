package query

import (
	"fmt"

	"github.com/tally-cost/tally/internal/cost"
)

// OrderBy is what an Order sorts by.
type OrderBy int

// The sort keys.
const (
	// ByMetric sorts by the total of Query.Metrics[Index].
	ByMetric OrderBy = iota
	// ByKey sorts by the value of Query.GroupBy[Index].
	ByKey
	// ByShare sorts by the Kubernetes share of metric Index: its
	// Kubernetes part over its total, 0 when the total is not positive.
	ByShare
)

// Order is one key of a Query's Sort.
type Order struct {
	By    OrderBy
	Index int
	Desc  bool
}

// Metric and Key are the common orders.
func Metric(i int, desc bool) Order { return Order{By: ByMetric, Index: i, Desc: desc} }
func Key(i int, desc bool) Order    { return Order{By: ByKey, Index: i, Desc: desc} }

// Orders returns q.Sort, or the default: the first metric descending.
// Every store then breaks ties by the keys ascending, then the currency,
// so the order of rows is total.
func (q Query) Orders() []Order {
	if len(q.Sort) > 0 || len(q.MetricsOrAll()) == 0 {
		return q.Sort
	}
	return []Order{Metric(0, true)}
}

func (q Query) validateSort() error {
	for _, o := range q.Sort {
		n := len(q.MetricsOrAll())
		if o.By == ByKey {
			n = len(q.GroupBy)
		}
		if o.By < ByMetric || o.By > ByShare || o.Index < 0 || o.Index >= n {
			return fmt.Errorf("%w: sort by %d of %d", cost.ErrInvalid, o.Index, n)
		}
	}
	return nil
}
