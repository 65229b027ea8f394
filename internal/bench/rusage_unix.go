//go:build unix

package bench

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// peakRSS is the peak resident memory in bytes of the finished process
// ps: the high-water mark watch saw, else the kernel's rusage (ru_maxrss:
// KiB on Linux, bytes on macOS), or 0 when the system says neither.
//
// Rusage alone is wrong on Linux for a child of a large parent: Go
// starts children with vfork, the child's maxrss is taken over from the
// memory it shares with the parent until exec, so every child of a
// parent that has grown to 1.3 GB (DuckDB converting a bill to Parquet)
// reported 1.3 GB. /proc's VmHWM belongs to the child's own memory,
// made at exec.
func peakRSS(ps *os.ProcessState, watched int64) int64 {
	if watched > 0 {
		return watched
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss * 1024
}

// watchPeak reads the high-water mark of pid's resident memory from
// /proc every 20 ms until stop is called, which returns the last mark
// read in bytes (0 without /proc). The mark only grows, so the last
// read misses at most what the process grew in its final 20 ms.
func watchPeak(pid int) (stop func() int64) {
	var peak atomic.Int64
	done := make(chan struct{})
	finished := make(chan struct{})
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if b := vmHWM(path); b > peak.Load() {
				peak.Store(b)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// vmHWM is the "VmHWM:" line of a /proc status file in bytes, 0 when
// there is none.
func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	_, rest, ok := bytes.Cut(b, []byte("\nVmHWM:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(line), []byte(" kB"))), 10, 64)
	if err != nil {
		return 0
	}
	return kb * 1024
}
