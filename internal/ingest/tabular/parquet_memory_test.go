package tabular

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// wideRow is a FOCUS-like row: a dozen text columns of distinct values
// (which dictionaries do not shrink) and an exact amount.
type wideRow struct {
	ResourceID  string    `parquet:"ResourceId"`
	ServiceName string    `parquet:"ServiceName"`
	SkuID       string    `parquet:"SkuId"`
	SkuPrice    string    `parquet:"SkuPriceId"`
	Region      string    `parquet:"RegionId"`
	Account     string    `parquet:"SubAccountId"`
	Charge      string    `parquet:"ChargeDescription"`
	Tags        string    `parquet:"Tags"`
	Invoice     string    `parquet:"InvoiceId"`
	Commitment  string    `parquet:"CommitmentDiscountId"`
	Unit        string    `parquet:"PricingUnit"`
	Zone        string    `parquet:"AvailabilityZone"`
	Cost        *[16]byte `parquet:"BilledCost,optional,decimal(10:38)"`
}

// writeWideParquet writes rows FOCUS-like rows to a file in dir, in row
// groups of 50,000 rows, and returns its path.
func writeWideParquet(t *testing.T, dir string, rows int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("wide-%d.parquet", rows))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := parquet.NewGenericWriter[wideRow](f, parquet.MaxRowsPerRowGroup(50_000), parquet.PageBufferSize(64<<10))
	cost := dec16(t, "12.3456789012", 10)
	batch := make([]wideRow, 0, 1024)
	for i := range rows {
		s := fmt.Sprintf("%08x-%d", uint32(i)*2654435761, i)
		batch = append(batch, wideRow{
			ResourceID:  "/subscriptions/" + s + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-" + s,
			ServiceName: "Virtual Machines " + s[:2], SkuID: "sku-" + s, SkuPrice: "price-" + s,
			Region: "eastus", Account: "acct-" + s[:3], Charge: "Standard D4s v5 hours for " + s,
			Tags: `{"env":"prod","owner":"` + s + `"}`, Invoice: "inv-" + s[:4], Commitment: "ri-" + s,
			Unit: "Hours", Zone: "zone-" + s[:1], Cost: cost,
		})
		if len(batch) == cap(batch) || i == rows-1 {
			if _, err := w.Write(batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// peakReadHeap reads every row of the file at path, as the importer does,
// and returns the largest growth of the heap in use over what it was
// before, sampled every 256 rows.
func peakReadHeap(t *testing.T, path string) (peak uint64, rows int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	r, err := NewParquet(path, f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return peak, rows
		}
		if err != nil {
			t.Fatal(err)
		}
		if rows++; rows%256 == 0 {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse-min(base, m.HeapInuse))
		}
	}
}

// TestParquetMemoryBounded: reading a Parquet file takes the same memory
// whatever its size: a reader that held the file, or more rows than a
// batch, would need four times as much for four times the rows. Memory,
// not time: the heap in use is sampled as the rows are read. (What the
// library takes grows with the size of a row group, not of the file:
// BENCHMARKS.md, "Issue 23: ingest of Parquet and Azure CSV".)
func TestParquetMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 250,000 rows")
	}
	dir := t.TempDir()
	small, large := 50_000, 200_000
	smallPath, largePath := writeWideParquet(t, dir, small), writeWideParquet(t, dir, large)
	// A first read fills the library's buffer pools, whose size depends on
	// the timing of the collector; the reads compared find them filled.
	peakReadHeap(t, smallPath)
	ps, n := peakReadHeap(t, smallPath)
	if n != small {
		t.Fatalf("read %d rows, want %d", n, small)
	}
	pl, n := peakReadHeap(t, largePath)
	if n != large {
		t.Fatalf("read %d rows, want %d", n, large)
	}
	st, _ := os.Stat(largePath)
	t.Logf("heap growth while reading: %d rows %.1f MiB, %d rows %.1f MiB (file %.1f MiB)",
		small, float64(ps)/(1<<20), large, float64(pl)/(1<<20), float64(st.Size())/(1<<20))
	// The garbage collector lets the heap reach twice what is live, and
	// its timing varies by a few MiB: the bound is generous and still far
	// below the growth a reader keeping rows would show.
	if pl > ps+8<<20 || pl > 32<<20 {
		t.Errorf("reading %d rows grew the heap by %.1f MiB, %d rows by %.1f MiB: memory grows with the file",
			small, float64(ps)/(1<<20), large, float64(pl)/(1<<20))
	}
}
