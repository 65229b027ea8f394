// Package testservice starts the test services of the repository's
// service scripts (scripts/emulators.sh, scripts/prometheus.sh, both on
// scripts/lib/services.sh) from a TestMain: each with a private run
// directory and a watchdog keyed to the test process, its endpoints
// adopted from the env file the script writes.
package testservice

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Start runs `bash script start` with env added to the environment and
// VAR_PREFIX_RUN_DIR and VAR_PREFIX_WATCH_PID set (e.g. prefix
// "TALLY_PROMETHEUS"), then sets each NAME=VALUE line of the script's
// env file that the environment does not set already. It returns the
// stop to call when the tests are done; on any failure it says so on
// stderr, prefixed by name, and returns a stop that does what is left
// to do, so that the tests then skip or fail on the missing endpoints.
func Start(name, script, varPrefix string, env ...string) (stop func()) {
	nothing := func() {}
	runDir, err := os.MkdirTemp("", "tally-"+name+"-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return nothing
	}
	env = append(append(os.Environ(), env...),
		varPrefix+"_RUN_DIR="+runDir,
		varPrefix+"_WATCH_PID="+strconv.Itoa(os.Getpid()))
	run := func(arg string) error {
		cmd := exec.Command("bash", script, arg)
		cmd.Env = env
		cmd.Stdout = os.Stderr
		cmd.Stderr = os.Stderr
		return cmd.Run()
	}
	stop = func() {
		if err := run("stop"); err != nil {
			fmt.Fprintf(os.Stderr, "%s: stopping: %v\n", name, err)
		}
		os.RemoveAll(runDir)
	}
	if err := run("start"); err != nil {
		fmt.Fprintf(os.Stderr, "%s: starting: %v\n", name, err)
		stop()
		return nothing
	}
	f, err := os.Open(filepath.Join(runDir, "env"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return stop
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
	return stop
}
