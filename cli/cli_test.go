package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestMain gives the subcommands the example configuration main embeds, and removes the binary
// buildBinary built.
func TestMain(m *testing.M) {
	example, err := os.ReadFile(filepath.Join("..", "config.example.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "the tests run on the repository's example configuration:", err)
		os.Exit(2)
	}
	Example = example
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string // the directory of the binary buildBinary built, removed by TestMain
	binPath string
	binErr  error
)

// buildBinary builds partnerbot (the module's main package) once for the tests of this package
// and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			binErr = fmt.Errorf("the go command builds the binary under test: %w", err)
			return
		}
		if binDir, err = os.MkdirTemp("", "partnerbot-bin-"); err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(binDir, "partnerbot")
		if out, err := exec.Command(gobin, "build", "-o", binPath, "github.com/partnerbot/partnerbot").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}
