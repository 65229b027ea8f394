// Package prometheustest is the test bed of the Prometheus collector: a
// fixed data set (this file), written as OpenMetrics history for
// promtool's backfill and served live by the small exporter
// (./exporter), and Start, which runs scripts/prometheus.sh to bring up
// a real Prometheus (Debian's package) loaded with both.
//
// History is backfilled rather than scraped because waiting for real
// scrapes would make hours of deterministic data take hours: promtool
// turns six hours of one-minute samples into TSDB blocks in well under a
// second. Live scraping serves the state of the last hour and is only
// a smoke check that scraping, the head block and the collector meet.
package prometheustest

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Begin is the start of the backfilled history, Hours its length. The
// test expectations are written by hand against the description of each
// series below; change them together.
var Begin = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// Hours of history, one sample a minute.
const Hours = 6

// SampleOffset puts every sample at half past a minute. The collector's
// instant query at a period's end reads the range [end-period, end];
// Prometheus 2 closes it on the left and Prometheus 3 opens it, so a
// sample exactly on the hour would count in two periods on one version
// and one on the other. Off the boundary, both agree.
const SampleOffset = 30 * time.Second

// Series is one time series of the data set.
type Series struct {
	Name   string
	Labels map[string]string
	// Value returns the value at minute m of hour h of the history, and
	// false where the series has no sample.
	Value func(h, m int) (float64, bool)
}

func always(v float64) func(h, m int) (float64, bool) {
	return func(int, int) (float64, bool) { return v, true }
}

func during(from, to int, v float64) func(h, m int) (float64, bool) {
	return func(h, _ int) (float64, bool) { return v, h >= from && h < to }
}

// The metric names, prefixed so that a Prometheus shared with other
// tests cannot mix them up with real exporters' metrics.
const (
	InstanceUp = "tally_test_instance_up"
	ImageSize  = "tally_test_image_size_bytes"
	CPUCores   = "tally_test_cpu_cores"
)

// gib is one GiB in bytes.
const gib = 1 << 30

// Data is the data set:
//
//	tally_test_instance_up (gauge, 1 = running)
//	  p-alpha vm-a1 m1.small  1 in every hour
//	  p-alpha vm-a2 m1.large  1 from hour 2
//	  p-alpha vm-a3 m1.small  0 in every hour (stopped)
//	  p-beta  vm-b1 (no flavor_name label) 1 in every hour
//	  p-beta  vm-b2 m1.small  1 in hours 0 and 1 only
//	  p-gamma vm-g1 m1.tiny   1 from hour 4
//	  (no project_id) vm-orphan 1 in every hour
//	tally_test_image_size_bytes (gauge)
//	  p-alpha img-1  1.5 GiB, but 3 GiB from minute 30 of hour 3
//	  p-beta  img-2  0.5 GiB
//	tally_test_cpu_cores (gauge)
//	  p-alpha vm-a1  0.1 + 0.2 computed in binary: 0.30000000000000004
//	  p-beta  vm-b1  2.675 (no exact binary form)
var Data = []Series{
	{InstanceUp, instance("p-alpha", "vm-a1", "u-1", "m1.small", "2"), always(1)},
	{InstanceUp, instance("p-alpha", "vm-a2", "u-1", "m1.large", "4"), during(2, Hours, 1)},
	{InstanceUp, instance("p-alpha", "vm-a3", "u-2", "m1.small", "2"), always(0)},
	{InstanceUp, map[string]string{"project_id": "p-beta", "id": "vm-b1", "user_id": "u-3", "flavor_id": "7"}, always(1)},
	{InstanceUp, instance("p-beta", "vm-b2", "u-3", "m1.small", "2"), during(0, 2, 1)},
	{InstanceUp, instance("p-gamma", "vm-g1", "u-4", "m1.tiny", "1"), during(4, Hours, 1)},
	{InstanceUp, map[string]string{"id": "vm-orphan", "flavor_name": "m1.small"}, always(1)},
	{ImageSize, map[string]string{"project_id": "p-alpha", "id": "img-1"}, func(h, m int) (float64, bool) {
		if h == 3 && m >= 30 {
			return 3 * gib, true
		}
		return 1.5 * gib, true
	}},
	{ImageSize, map[string]string{"project_id": "p-beta", "id": "img-2"}, always(0.5 * gib)},
	{CPUCores, map[string]string{"project_id": "p-alpha", "id": "vm-a1"}, always(tenths(1) + tenths(2))},
	{CPUCores, map[string]string{"project_id": "p-beta", "id": "vm-b1"}, always(2.675)},
}

// tenths returns n/10 as a float64 computed at run time, so that the
// sum of two of them carries the binary artefact of 0.1 + 0.2 (a
// constant expression would be exact).
func tenths(n int) float64 { return float64(n) / 10 }

func instance(project, id, user, flavor, flavorID string) map[string]string {
	return map[string]string{"project_id": project, "id": id, "user_id": user,
		"flavor_name": flavor, "flavor_id": flavorID}
}

// LiveHour is the hour of the history whose values the exporter serves
// live (at minute 59).
const LiveHour = Hours - 1

// WriteOpenMetrics writes the whole history in the OpenMetrics text
// format that promtool tsdb create-blocks-from openmetrics reads: one
// family at a time, each series' samples in time order, timestamps in
// seconds, ended by # EOF.
func WriteOpenMetrics(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, name := range names() {
		fmt.Fprintf(bw, "# TYPE %s gauge\n", name)
		for _, s := range Data {
			if s.Name != name {
				continue
			}
			series := name + labelText(s.Labels)
			for h := 0; h < Hours; h++ {
				for m := 0; m < 60; m++ {
					v, ok := s.Value(h, m)
					if !ok {
						continue
					}
					at := Begin.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + SampleOffset)
					fmt.Fprintf(bw, "%s %s %d\n", series, strconv.FormatFloat(v, 'g', -1, 64), at.Unix())
				}
			}
		}
	}
	fmt.Fprintln(bw, "# EOF")
	return bw.Flush()
}

// names returns the metric names of Data, sorted.
func names() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range Data {
		if !seen[s.Name] {
			seen[s.Name] = true
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

// labelText writes labels as {a="x",b="y"}, sorted, values quoted as
// the exposition formats want (Go's quoting escapes \ " and newline as
// they do, and the data set has no other special characters).
func labelText(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(l[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}
