package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// profiles are the --cpuprofile and --memprofile flags of a command, for
// `go tool pprof`: how BENCHMARKS.md's ingest profiles were taken.
type profiles struct {
	cpu, mem *string
	cpuFile  *os.File
}

func profileFlags(fs *flag.FlagSet) *profiles {
	return &profiles{
		cpu: fs.String("cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)"),
		mem: fs.String("memprofile", "", "write a heap profile to this file when the command ends (go tool pprof; -sample_index=alloc_space shows what was allocated)"),
	}
}

// start begins the CPU profile, when asked for.
func (p *profiles) start() error {
	if *p.cpu == "" {
		return nil
	}
	f, err := os.Create(*p.cpu)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	p.cpuFile = f
	return nil
}

// stop ends the CPU profile and writes the heap profile, when asked for.
func (p *profiles) stop() error {
	var errs []error
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		errs = append(errs, p.cpuFile.Close())
		p.cpuFile = nil
	}
	if *p.mem != "" {
		f, err := os.Create(*p.mem)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("heap profile: %w", err))...)
		}
		runtime.GC() // the profile shows the heap as of the last GC
		errs = append(errs, pprof.Lookup("heap").WriteTo(f, 0), f.Close())
	}
	return errors.Join(errs...)
}
