//go:build !unix

package main

// privateUmask does nothing where there is no umask: files inherit the
// folder's access control list.
func privateUmask() {}
