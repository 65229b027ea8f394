// Package testfiles finds the files tests share: the module root and the
// real cloud exports in ../shared/testdata beside it.
package testfiles

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot walks up from the working directory (a test runs in its
// package's folder) to the folder holding go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Shared returns the path of a file under <module root>/../shared/testdata.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(append([]string{root, "..", "shared", "testdata"}, elem...)...)
}
