package cost

import (
	"fmt"
	"strings"
)

// Metric is one of the cost measures Tally keeps for every line item
// (billing-formats.md §1).
type Metric int

const (
	// List is usage at the public on-demand rate (FOCUS ListCost).
	List Metric = iota
	// Billed is the invoice basis (FOCUS BilledCost; Kubecost invoicedCost).
	Billed
	// Net is cost after negotiated discounts and credits (Kubecost netCost).
	Net
	// Amortized spreads commitment purchases over the usage they cover
	// (FOCUS EffectiveCost; Kubecost amortizedCost).
	Amortized
	// AmortizedNet is amortized cost from the net columns (Kubecost
	// amortizedNetCost, its default).
	AmortizedNet
	// Contracted is usage at the negotiated price before commitment
	// discounts (FOCUS ContractedCost).
	Contracted

	// NumMetrics is the number of metrics; arrays are indexed by Metric.
	NumMetrics = int(Contracted) + 1
)

var metricNames = [NumMetrics]string{"list", "billed", "net", "amortized", "amortizedNet", "contracted"}

// Metrics lists every metric in order.
func Metrics() []Metric {
	out := make([]Metric, NumMetrics)
	for i := range out {
		out[i] = Metric(i)
	}
	return out
}

// String returns the metric's native API name (list, billed, net, amortized,
// amortizedNet, contracted).
func (m Metric) String() string {
	if m < 0 || int(m) >= NumMetrics {
		return fmt.Sprintf("Metric(%d)", int(m))
	}
	return metricNames[m]
}

// ParseMetric reads a metric name case-insensitively. "invoiced" is
// accepted for billed and "effective" for amortized, their FOCUS and
// Kubecost synonyms.
func ParseMetric(s string) (Metric, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	switch k {
	case "invoiced", "invoicedcost", "billedcost":
		return Billed, nil
	case "effective", "effectivecost", "amortizedcost":
		return Amortized, nil
	case "listcost":
		return List, nil
	case "netcost":
		return Net, nil
	case "amortizednetcost":
		return AmortizedNet, nil
	case "contractedcost":
		return Contracted, nil
	}
	for i, n := range metricNames {
		if strings.ToLower(n) == k {
			return Metric(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown metric %q (want one of %s)", ErrInvalid, s, strings.Join(metricNames[:], ", "))
}
