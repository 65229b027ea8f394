//go:build !unix

package bench

import "os"

// peakRSS is 0 where the system keeps no rusage: the report shows "-".
func peakRSS(*os.ProcessState) int64 { return 0 }
