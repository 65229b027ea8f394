//go:build unix

package main

import "syscall"

// privateUmask makes every file the process creates private to its user.
// Tally creates its own files with explicit modes, but DuckDB creates
// the database's write-ahead log anew after each checkpoint with the
// umask's mode, which no step at open can reach.
func privateUmask() { syscall.Umask(0o077) }
