//go:build unix

package store

import (
	"os"
	"syscall"
)

// unlock releases bbolt's flock on f. Closing f is not enough while bbolt's mapping of the file
// still refers to it.
func unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
