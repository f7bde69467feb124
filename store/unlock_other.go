//go:build !unix

package store

import "os"

// unlock does nothing where bbolt's lock goes with the file handle: closing f releases it.
func unlock(*os.File) {}
