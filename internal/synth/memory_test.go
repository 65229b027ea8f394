package synth

import (
	"io"
	"runtime"
	"testing"
	"time"
)

// heapProbe is an io.Writer that discards what it gets and samples the
// heap every few writes.
type heapProbe struct {
	writes  int
	maxHeap uint64
	samples int
}

func (h *heapProbe) Write(p []byte) (int, error) {
	h.writes++
	if h.writes%64 == 0 {
		h.sample()
	}
	return len(p), nil
}

func (h *heapProbe) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.samples++
	h.maxHeap = max(h.maxHeap, m.HeapInuse)
}

// TestConstantMemory writes two million rows and checks that the heap in
// use stays small: a generator that kept rows would need gigabytes.
func TestConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two million rows")
	}
	runtime.GC()
	for _, p := range []string{"aws", "gcp"} {
		probe := &heapProbe{}
		st, err := Write(probe, Options{Provider: p, Rows: 2_000_000, Days: 60, Start: testStart, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		probe.sample()
		const limit = 64 << 20
		if probe.maxHeap >= limit || probe.samples < 10 {
			t.Errorf("%s: %d rows (%d MB): heap in use peaked at %d MiB over %d samples, want < 64 MiB",
				p, st.Rows, st.Bytes>>20, probe.maxHeap>>20, probe.samples)
		}
		t.Logf("%s: %d rows, %d MB, heap in use at most %d MiB", p, st.Rows, st.Bytes>>20, probe.maxHeap>>20)
	}
}

// Rows are formatted into reused buffers: writing allocates nothing per
// row once the buffers have grown.
func TestAllocationsPerRow(t *testing.T) {
	for _, p := range Providers {
		opt := Options{Provider: p, Rows: 20_000, Days: 10, Start: time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC), Seed: 1}
		allocs := testing.AllocsPerRun(3, func() {
			if _, err := Write(io.Discard, opt); err != nil {
				t.Fatal(err)
			}
		})
		if perRow := allocs / float64(opt.Rows); perRow > 0.05 {
			t.Errorf("%s: %.0f allocations for %d rows (%.3f a row)", p, allocs, opt.Rows, perRow)
		}
	}
}
