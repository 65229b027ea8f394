//go:build !unix

package bench

import "os"

// peakRSS is 0 where the system keeps no rusage: the report shows "-".
func peakRSS(*os.ProcessState, int64) int64 { return 0 }

// watchPeak watches nothing where there is no /proc.
func watchPeak(int) func() int64 { return func() int64 { return 0 } }
