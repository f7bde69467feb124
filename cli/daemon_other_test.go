//go:build !linux

package cli

import (
	"os"
	"testing"
)

// openPTY: the tests that need a pseudo-terminal open one on Linux only.
func openPTY(t *testing.T) (pty, tty *os.File) {
	t.Helper()
	t.Skip("pseudo-terminals are opened on Linux only")
	return nil, nil
}
