//go:build unix

package bench

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestPeakIsTheChilds: a small child of a large parent is measured at
// its own size. Rusage alone says the parent's (see peakRSS), which made
// every ingest after a Parquet conversion report 1,309 MiB.
func TestPeakIsTheChilds(t *testing.T) {
	if os.Getenv("TALLY_PEAK_CHILD") != "" {
		time.Sleep(300 * time.Millisecond) // small, and alive long enough to be watched
		os.Exit(0)
	}
	if vmHWM("/proc/self/status") == 0 {
		t.Skip("no /proc VmHWM here")
	}
	big := make([]byte, 400<<20)
	for i := range big {
		big[i] = 1 // resident, not just reserved
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPeakIsTheChilds$")
	cmd.Env = append(os.Environ(), "TALLY_PEAK_CHILD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := watchPeak(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	watched := stop()
	got := peakRSS(cmd.ProcessState, watched)
	if watched == 0 || got >= 200<<20 {
		t.Fatalf("child peak %d MiB (watched %d MiB), the parent holds 400 MiB", got>>20, watched>>20)
	}
	t.Logf("child peak %d MiB; rusage alone: %d MiB", got>>20, peakRSS(cmd.ProcessState, 0)>>20)
	big[len(big)-1] = 2 // keep big alive until the child has run
}
