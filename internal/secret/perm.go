package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// private are the permission bits a private file or directory must not
// have: any for group and others.
const private fs.FileMode = 0o077

// RestrictFile removes group and other permissions from path, when it
// exists and has any, and logs the change: files made by older versions
// (or by a library under a permissive umask) are tightened when Tally
// opens them. Symbolic links are left alone.
func RestrictFile(path string, log *slog.Logger) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking permissions: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 || fi.Mode().Perm()&private == 0 {
		return nil
	}
	if err := os.Chmod(path, fi.Mode().Perm()&^private); err != nil {
		return fmt.Errorf("restricting permissions: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	log.Warn("restricted the permissions of a file other users could read", "file", path,
		"was", fi.Mode().Perm().String(), "now", (fi.Mode().Perm() &^ private).String())
	return nil
}

// RestrictTree removes group and other permissions from dir and
// everything in it, and logs how many entries it changed in one line.
// A missing dir is not an error.
func RestrictTree(dir string, log *slog.Logger) error {
	changed := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil // chmod would follow it out of the tree
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&private == 0 {
			return nil
		}
		if err := os.Chmod(p, fi.Mode().Perm()&^private); err != nil {
			return err
		}
		changed++
		return nil
	})
	if err != nil {
		return fmt.Errorf("restricting permissions under %s: %w", dir, err)
	}
	if changed > 0 {
		if log == nil {
			log = slog.Default()
		}
		log.Warn("restricted the permissions of files and folders other users could read", "dir", dir, "entries", changed)
	}
	return nil
}
